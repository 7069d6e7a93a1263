import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { runMigrationsLocked } from './migrate.js';

// The factory that builds the DataSource cannot be injected; the flag rides on its options.
const EMBEDDED = Symbol('embedded');
type Flagged = DataSourceOptions & { [EMBEDDED]?: boolean };

/** Holds the embedded server (when there is one) and closes it after the pool, on shutdown. */
@Injectable()
export class DatabaseRuntime implements OnApplicationShutdown {
  embedded?: EmbeddedPostgres;

  constructor(
    @Inject(APP_CONFIG) readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  get mode(): 'postgres' | 'embedded' {
    return this.config.database.mode;
  }

  async url(): Promise<string> {
    const db = this.config.database;
    if (db.mode === 'postgres') return db.url;
    // Room for the pool plus the odd dedicated connection (migration runner, listeners).
    this.embedded ??= await startEmbeddedPostgres(db.dataDir, db.poolMax + 5);
    return this.embedded.url;
  }

  async onApplicationShutdown(): Promise<void> {
    // TypeORM's own hook may run before or after this one; close the pool first either way.
    const ds = this.moduleRef.get(DataSource, { strict: false });
    if (ds?.isInitialized) await ds.destroy();
    await this.embedded?.close();
  }
}

@Global()
@Module({ providers: [DatabaseRuntime], exports: [DatabaseRuntime] })
class DatabaseRuntimeModule {}

@Module({
  imports: [
    DatabaseRuntimeModule,
    TypeOrmModule.forRootAsync({
      inject: [DatabaseRuntime],
      useFactory: async (rt: DatabaseRuntime) => {
        const options = dataSourceOptions(await rt.url(), rt.config.database);
        return Object.assign(options, { [EMBEDDED]: rt.mode === 'embedded' });
      },
      dataSourceFactory: async (options?: DataSourceOptions) => {
        if (!options) throw new Error('no data source options');
        const ds = await new DataSource(options).initialize();
        await runMigrationsLocked(ds, { embedded: (options as Flagged)[EMBEDDED] === true });
        return ds;
      },
    }),
  ],
  exports: [DatabaseRuntimeModule],
})
export class DatabaseModule {}
