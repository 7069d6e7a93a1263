import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NotificationDecisions1795430589091 implements MigrationInterface {
  name = 'NotificationDecisions1795430589091';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "notification_decisions" ("signal_id" uuid NOT NULL, "signal_time" TIMESTAMP WITH TIME ZONE NOT NULL, "decided_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_15ea8b7abd84e7ffa8f4fb58917" PRIMARY KEY ("signal_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_notification_decisions_signal_time" ON "notification_decisions"  ("signal_time") `,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_notification_decisions_signal_time"`);
    await queryRunner.query(`DROP TABLE "notification_decisions"`);
  }
}
