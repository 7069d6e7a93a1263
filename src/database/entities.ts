import { UserSession } from '../modules/auth/entities/user-session.entity.js';
import { SystemLog } from '../modules/system/entities/system-log.entity.js';
import { User } from '../modules/users/entities/user.entity.js';
import { Signal } from '../modules/signals/entities/signal.entity.js';
import { Strategy } from '../modules/strategies/entities/strategy.entity.js';
import { StrategyDraft } from '../modules/strategies/entities/strategy-draft.entity.js';
import { StrategyLog } from '../modules/strategies/entities/strategy-log.entity.js';
import { StrategyVersion } from '../modules/strategies/entities/strategy-version.entity.js';
import { Dataset } from '../modules/datasets/entities/dataset.entity.js';
import { Evaluation } from '../modules/evaluations/entities/evaluation.entity.js';
import { TrainingJob } from '../modules/training/entities/training-job.entity.js';
import { TrainingMetric } from '../modules/training/entities/training-metric.entity.js';
import { NotificationChannelEntity } from '../modules/notifications/entities/notification-channel.entity.js';
import { NotificationDecision } from '../modules/notifications/entities/notification-decision.entity.js';
import { NotificationRules } from '../modules/notifications/entities/notification-rules.entity.js';
import { Notification } from '../modules/notifications/entities/notification.entity.js';
import { Task } from '../modules/tasks/entities/task.entity.js';
import { BotLease } from '../modules/freqtrade/entities/bot-lease.entity.js';
import { FreqtradeInstallation } from '../modules/freqtrade/entities/freqtrade-installation.entity.js';
import { ProxyCheck } from '../modules/proxies/entities/proxy-check.entity.js';
import { ProxyServer } from '../modules/proxies/entities/proxy.entity.js';
import { FreqtradeUpdateCheck } from '../modules/freqtrade/entities/freqtrade-update-check.entity.js';
import { FreqtradeCompatibilityCheck } from '../modules/freqtrade/entities/freqtrade-compatibility-check.entity.js';

/** Every entity, as a class list: globs would point at .ts files under Jest. */
export const ENTITIES = [
  User,
  UserSession,
  SystemLog,
  Strategy,
  StrategyVersion,
  StrategyDraft,
  StrategyLog,
  Signal,
  Task,
  FreqtradeInstallation,
  BotLease,
  Dataset,
  Evaluation,
  TrainingJob,
  TrainingMetric,
  ProxyServer,
  ProxyCheck,
  NotificationChannelEntity,
  NotificationDecision,
  NotificationRules,
  Notification,
  FreqtradeUpdateCheck,
  FreqtradeCompatibilityCheck,
];
