import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Strategies1795399986316 implements MigrationInterface {
  name = 'Strategies1795399986316';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TYPE "public"."strategy_type" AS ENUM('signal_monitor', 'trade_execution')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."strategy_status" AS ENUM('draft', 'stopped', 'starting', 'running', 'stopping', 'error')`,
    );
    await queryRunner.query(
      `CREATE TABLE "strategies" ("id" SERIAL NOT NULL, "owner_id" integer NOT NULL, "name" character varying(100) NOT NULL, "description" text, "type" "public"."strategy_type" NOT NULL DEFAULT 'signal_monitor', "status" "public"."strategy_status" NOT NULL DEFAULT 'stopped', "version" character varying(20), "config" jsonb NOT NULL DEFAULT '{}', "parameters" jsonb NOT NULL DEFAULT '{}', "tags" text array NOT NULL DEFAULT '{}', "category" character varying(50), "parent_strategy_id" integer, "health_score" smallint, "running_since" TIMESTAMP WITH TIME ZONE, "last_run_at" TIMESTAMP WITH TIME ZONE, "last_error" text, "total_return" numeric(10,4), "sharpe_ratio" numeric(8,4), "max_drawdown" numeric(8,4), "win_rate" numeric(5,2), "revision" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9a0d363ddf5b40d080147363238" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_strategies_created" ON "strategies"  ("created_at") `);
    await queryRunner.query(
      `CREATE INDEX "idx_strategies_owner_status" ON "strategies"  ("owner_id", "status") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_strategies_owner_name" ON "strategies"  ("owner_id", "name") `,
    );
    await queryRunner.query(
      `CREATE TABLE "strategy_drafts" ("id" SERIAL NOT NULL, "strategy_id" integer NOT NULL, "owner_id" integer NOT NULL, "payload" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bbdacc474c8e385cf5d22fafd18" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_strategy_drafts_strategy" ON "strategy_drafts"  ("strategy_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_strategy_drafts_owner" ON "strategy_drafts"  ("owner_id", "updated_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "strategy_logs" ("id" BIGSERIAL NOT NULL, "strategy_id" integer NOT NULL, "timestamp" TIMESTAMP WITH TIME ZONE NOT NULL, "level" "public"."log_level" NOT NULL, "source" character varying(20) NOT NULL, "message" text NOT NULL, CONSTRAINT "PK_06eb0c5bd194cfb42b54cf0e9f7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_strategy_logs_time" ON "strategy_logs"  ("timestamp") `);
    await queryRunner.query(
      `CREATE INDEX "idx_strategy_logs_strategy_time" ON "strategy_logs"  ("strategy_id", "timestamp") `,
    );
    await queryRunner.query(
      `CREATE TABLE "strategy_versions" ("id" SERIAL NOT NULL, "strategy_id" integer NOT NULL, "version" character varying(20) NOT NULL, "config" jsonb NOT NULL, "parameters" jsonb NOT NULL DEFAULT '{}', "source" text, "source_hash" character varying(64), "changelog" text, "created_by" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a19b89b1ed4165f595cd889f86f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_strategy_versions_unique" ON "strategy_versions"  ("strategy_id", "version") `,
    );
    await queryRunner.query(
      `ALTER TABLE "strategies" ADD CONSTRAINT "FK_c0b89463c9750c06de681b4721c" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "strategies" ADD CONSTRAINT "FK_1791346155856f5735f6dbb9fea" FOREIGN KEY ("parent_strategy_id") REFERENCES "strategies"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "strategy_drafts" ADD CONSTRAINT "FK_db9b98432db325049f1754730f2" FOREIGN KEY ("strategy_id") REFERENCES "strategies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "strategy_versions" ADD CONSTRAINT "FK_537595ab6aef33cba842807ea8c" FOREIGN KEY ("strategy_id") REFERENCES "strategies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "strategy_versions" DROP CONSTRAINT "FK_537595ab6aef33cba842807ea8c"`,
    );
    await queryRunner.query(`ALTER TABLE "strategy_drafts" DROP CONSTRAINT "FK_db9b98432db325049f1754730f2"`);
    await queryRunner.query(`ALTER TABLE "strategies" DROP CONSTRAINT "FK_1791346155856f5735f6dbb9fea"`);
    await queryRunner.query(`ALTER TABLE "strategies" DROP CONSTRAINT "FK_c0b89463c9750c06de681b4721c"`);
    await queryRunner.query(`DROP INDEX "public"."idx_strategy_versions_unique"`);
    await queryRunner.query(`DROP TABLE "strategy_versions"`);
    await queryRunner.query(`DROP INDEX "public"."idx_strategy_logs_strategy_time"`);
    await queryRunner.query(`DROP INDEX "public"."idx_strategy_logs_time"`);
    await queryRunner.query(`DROP TABLE "strategy_logs"`);
    await queryRunner.query(`DROP INDEX "public"."idx_strategy_drafts_owner"`);
    await queryRunner.query(`DROP INDEX "public"."idx_strategy_drafts_strategy"`);
    await queryRunner.query(`DROP TABLE "strategy_drafts"`);
    await queryRunner.query(`DROP INDEX "public"."idx_strategies_owner_name"`);
    await queryRunner.query(`DROP INDEX "public"."idx_strategies_owner_status"`);
    await queryRunner.query(`DROP INDEX "public"."idx_strategies_created"`);
    await queryRunner.query(`DROP TABLE "strategies"`);
    await queryRunner.query(`DROP TYPE "public"."strategy_status"`);
    await queryRunner.query(`DROP TYPE "public"."strategy_type"`);
  }
}
