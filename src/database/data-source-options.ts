import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

export function dataSourceOptions(
  url: string,
  pool: { poolMin: number; poolMax: number },
): DataSourceOptions {
  return {
    type: 'postgres',
    // Given, not left to TypeORM's run-time require('pg'), so the server bundle holds pg too (code cache included).
    driver: pg,
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: false,
    extra: {
      min: pool.poolMin,
      max: pool.poolMax,
      connectionTimeoutMillis: 10_000,
      // A query that hangs must not hold a pool slot forever; health answers within its own timeout.
      statement_timeout: 30_000,
      application_name: 'btc-watcher',
    },
  };
}
