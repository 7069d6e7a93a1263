import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1795416500541 implements MigrationInterface {
  name = 'Notifications1795416500541';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "notification_channels" ("id" SERIAL NOT NULL, "owner_id" integer NOT NULL, "type" character varying(16) NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "config" jsonb NOT NULL DEFAULT '{}', "secrets" jsonb NOT NULL DEFAULT '{}', "base_url" character varying(500), "proxy_id" integer, "min_level" character varying(2) NOT NULL DEFAULT 'P2', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3bc0cb5b60e8659f5fc859b2af0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_notification_channels_owner_type" ON "notification_channels"  ("owner_id", "type") `,
    );
    await queryRunner.query(
      `CREATE TABLE "notification_rules" ("owner_id" integer NOT NULL, "routes" jsonb NOT NULL, "quiet_hours" jsonb, "cooldown_seconds" integer, "storm_threshold" integer NOT NULL DEFAULT '5', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_562fdc3da25b64f666557d08511" PRIMARY KEY ("owner_id"))`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."notification_status" AS ENUM('pending', 'sending', 'success', 'failed', 'suppressed', 'dead')`,
    );
    await queryRunner.query(
      `CREATE TABLE "notifications" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "owner_id" integer NOT NULL, "channel" character varying(16) NOT NULL, "channel_id" integer, "kind" character varying(16) NOT NULL, "signal_id" uuid, "signal_time" TIMESTAMP WITH TIME ZONE, "strategy_id" integer, "pair" character varying(41), "signal_type" character varying(8), "priority" character varying(2) NOT NULL, "status" "public"."notification_status" NOT NULL, "reason" character varying(32), "digest_id" uuid, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE, "lease_until" TIMESTAMP WITH TIME ZONE, "last_error" text, "vendor_message_id" character varying(200), "latency_ms" integer, "content" jsonb NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_55693fe75c354cc71fadffcb049" PRIMARY KEY ("id", "created_at")) PARTITION BY RANGE ("created_at")`,
    );
    // Monthly partitions are created ahead by PartitionMaintenanceService; the default catches the rest.
    await queryRunner.query(`CREATE TABLE "notifications_default" PARTITION OF "notifications" DEFAULT`);
    await queryRunner.query(
      `CREATE INDEX "idx_notifications_cooldown" ON "notifications"  ("channel_id", "strategy_id", "pair", "signal_type", "signal_time") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_notifications_channel_time" ON "notifications"  ("channel_id", "created_at") `,
    );
    await queryRunner.query(`CREATE INDEX "idx_notifications_digest" ON "notifications"  ("digest_id") `);
    await queryRunner.query(`CREATE INDEX "idx_notifications_signal" ON "notifications"  ("signal_id") `);
    await queryRunner.query(
      `CREATE INDEX "idx_notifications_due" ON "notifications"  ("next_attempt_at") WHERE status IN ('pending', 'sending')`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_notifications_owner_time" ON "notifications"  ("owner_id", "created_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "strategies" ADD "notification_overrides" jsonb NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_channels" ADD CONSTRAINT "FK_ba06001aecf95d8acc6c35c92c6" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_rules" ADD CONSTRAINT "FK_562fdc3da25b64f666557d08511" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "notification_rules" DROP CONSTRAINT "FK_562fdc3da25b64f666557d08511"`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_channels" DROP CONSTRAINT "FK_ba06001aecf95d8acc6c35c92c6"`,
    );
    await queryRunner.query(`ALTER TABLE "strategies" DROP COLUMN "notification_overrides"`);
    await queryRunner.query(`DROP INDEX "public"."idx_notifications_owner_time"`);
    await queryRunner.query(`DROP INDEX "public"."idx_notifications_due"`);
    await queryRunner.query(`DROP INDEX "public"."idx_notifications_signal"`);
    await queryRunner.query(`DROP INDEX "public"."idx_notifications_digest"`);
    await queryRunner.query(`DROP INDEX "public"."idx_notifications_channel_time"`);
    await queryRunner.query(`DROP INDEX "public"."idx_notifications_cooldown"`);
    await queryRunner.query(`DROP TABLE "notifications" CASCADE`);
    await queryRunner.query(`DROP TYPE "public"."notification_status"`);
    await queryRunner.query(`DROP TABLE "notification_rules"`);
    await queryRunner.query(`DROP INDEX "public"."idx_notification_channels_owner_type"`);
    await queryRunner.query(`DROP TABLE "notification_channels"`);
  }
}
