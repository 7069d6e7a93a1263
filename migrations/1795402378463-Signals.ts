import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Signals1795402378463 implements MigrationInterface {
  name = 'Signals1795402378463';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TYPE "public"."signal_kind" AS ENUM('enter_long', 'exit_long', 'enter_short', 'exit_short')`,
    );
    await queryRunner.query(`CREATE TYPE "public"."signal_type" AS ENUM('BUY', 'SELL', 'HOLD')`);
    await queryRunner.query(`CREATE TYPE "public"."strength_level" AS ENUM('strong', 'medium', 'weak')`);
    await queryRunner.query(`CREATE TYPE "public"."signal_priority" AS ENUM('P0', 'P1', 'P2')`);
    await queryRunner.query(
      `CREATE TABLE "signals" ("id" uuid NOT NULL, "timestamp" TIMESTAMP WITH TIME ZONE NOT NULL, "owner_id" integer NOT NULL, "strategy_id" integer NOT NULL, "strategy_name" character varying(100) NOT NULL, "strategy_version" character varying(20) NOT NULL, "pair" character varying(41) NOT NULL, "exchange" character varying(40) NOT NULL, "timeframe" character varying(4) NOT NULL, "kind" "public"."signal_kind" NOT NULL, "signal_type" "public"."signal_type" NOT NULL, "strength_raw" numeric(5,2) NOT NULL, "strength_level" "public"."strength_level" NOT NULL, "priority" "public"."signal_priority" NOT NULL, "price" double precision NOT NULL, "indicators" jsonb NOT NULL DEFAULT '{}', "tag" character varying(255), "freqtrade_version" character varying(20), "notification_sent" boolean NOT NULL DEFAULT false, "notification_channels" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d8ea6bae3099029dc23d3685bda" PRIMARY KEY ("id", "timestamp")) PARTITION BY RANGE ("timestamp")`,
    );
    // Monthly partitions are created ahead by PartitionMaintenanceService; the default catches the rest.
    await queryRunner.query(`CREATE TABLE "signals_default" PARTITION OF "signals" DEFAULT`);
    await queryRunner.query(
      `CREATE INDEX "idx_signals_owner_pair_time" ON "signals"  ("owner_id", "pair", "timestamp") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_signals_owner_strategy_time" ON "signals"  ("owner_id", "strategy_id", "timestamp") `,
    );
    await queryRunner.query(`CREATE INDEX "idx_signals_owner_time" ON "signals"  ("owner_id", "timestamp") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_signals_unique_candle" ON "signals"  ("strategy_id", "pair", "timeframe", "timestamp", "kind") `,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_signals_unique_candle"`);
    await queryRunner.query(`DROP INDEX "public"."idx_signals_owner_time"`);
    await queryRunner.query(`DROP INDEX "public"."idx_signals_owner_strategy_time"`);
    await queryRunner.query(`DROP INDEX "public"."idx_signals_owner_pair_time"`);
    await queryRunner.query(`DROP TABLE "signals" CASCADE`);
    await queryRunner.query(`DROP TYPE "public"."signal_priority"`);
    await queryRunner.query(`DROP TYPE "public"."strength_level"`);
    await queryRunner.query(`DROP TYPE "public"."signal_type"`);
    await queryRunner.query(`DROP TYPE "public"."signal_kind"`);
  }
}
