import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics.js';

/** One `Metrics` per application, with Node's default process metrics. */
@Global()
@Module({
  providers: [{ provide: Metrics, useFactory: () => new Metrics({ defaults: true }) }],
  exports: [Metrics],
})
export class MetricsModule {}
