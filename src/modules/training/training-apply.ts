import type { Strategy } from '../strategies/strategies.service.js';
import type { StrategyVersionWriter } from '../strategies/strategy-version-writer.service.js';
import type { JsonObject } from '../../common/types/json.js';
import type { TrainingResultResponseDto } from './dto/training-job.response.dto.js';
import type { TrainingJob } from './entities/training-job.entity.js';

/**
 * Writes a job's best parameters into the strategy's `parameters` as a new version, through the
 * strategies module's one version writer: freqtrade's sections (buy, sell, roi, …) replace the
 * version's, other keys stay. Reviewing, comparing, restoring and publishing work as for any version.
 */
export async function apply(
  versions: StrategyVersionWriter,
  strategy: Strategy,
  job: TrainingJob,
  result: TrainingResultResponseDto,
  userId: number,
): Promise<Strategy> {
  const parameters: JsonObject = { ...strategy.parameters, ...result.parameters };
  return versions.commit(
    strategy,
    { parameters },
    {
      changelog: `Parameters from training job ${job.id} "${job.name}" (best of ${job.currentEpoch} hyperopt epochs: epoch ${result.best_epoch}, loss ${String(result.metrics.loss)})`,
      userId,
    },
  );
}
