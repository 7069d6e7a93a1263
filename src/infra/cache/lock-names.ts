/** Every Lock-port name used by scheduled jobs, so N instances run each job once. */
export enum LockName {
  PartitionMaintenance = 'job:partition-maintenance',
  StrategyLogRetention = 'job:strategy-log-retention',
  DraftCleanup = 'job:draft-cleanup',
  HotWindowRebuild = 'job:signals-hot-window-rebuild',
  TaskSweep = 'job:task-sweep',
  /** Suffixed with the proxy id: one instance checks each proxy. */
  ProxyCheck = 'job:proxy-check',
  ProxyCheckPrune = 'job:proxy-check-prune',
  Backup = 'job:backup',
  NotificationCatchUp = 'job:notification-catch-up',
  FreqtradeUpdateCheck = 'job:freqtrade-update-check',
  FreqtradeSwitch = 'freqtrade:switch',
}
