import {
  Global,
  Inject,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';
import { runMigrationsLocked } from './migrate.js';
import { embeddedConnections } from './embedded-connections.js';

// The factory that builds the DataSource cannot be injected; the flag rides on its options.
const EMBEDDED = Symbol('embedded');
type Flagged = DataSourceOptions & { [EMBEDDED]?: boolean };

/** An embedded database `main` began opening before the application's modules were even loaded. */
export const PRESTARTED_EMBEDDED = Symbol('PRESTARTED_EMBEDDED');

/** Holds the embedded server (when there is one) and closes it after the pool, on shutdown. */
@Injectable()
export class DatabaseRuntime implements OnApplicationShutdown {
  embedded?: EmbeddedPostgres;

  constructor(
    @Inject(APP_CONFIG) readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(PRESTARTED_EMBEDDED) private readonly prestarted?: Promise<EmbeddedPostgres>,
  ) {}

  get mode(): 'postgres' | 'embedded' {
    return this.config.database.mode;
  }

  async url(): Promise<string> {
    const db = this.config.database;
    if (db.mode === 'postgres') return db.url;
    // Loaded only here: a server on PostgreSQL never loads PGlite.
    this.embedded ??= await (this.prestarted ??
      import('./embedded-postgres.js').then(({ startEmbeddedPostgres }) =>
        startEmbeddedPostgres(db.dataDir, embeddedConnections(this.config), db),
      ));
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
@Module({})
class DatabaseRuntimeModule {
  static forRoot(prestarted?: Promise<EmbeddedPostgres>): DynamicModule {
    return {
      module: DatabaseRuntimeModule,
      providers: [
        DatabaseRuntime,
        ...(prestarted ? [{ provide: PRESTARTED_EMBEDDED, useValue: prestarted }] : []),
      ],
      exports: [DatabaseRuntime],
    };
  }
}

// The DataSource is built (and migrated) by TypeORM's async factory from the runtime's URL.
const typeOrm = TypeOrmModule.forRootAsync({
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
});

@Module({})
export class DatabaseModule {
  static forRoot(opts: { prestarted?: Promise<EmbeddedPostgres> } = {}): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [DatabaseRuntimeModule.forRoot(opts.prestarted), typeOrm],
      exports: [DatabaseRuntimeModule],
    };
  }
}
