import type { AppConfig } from '../config/app-config.js';

/** Socket connections the embedded server accepts: the pool plus the odd dedicated one (migration runner, listeners). */
export function embeddedConnections(config: AppConfig): number {
  return config.database.poolMax + 5;
}
