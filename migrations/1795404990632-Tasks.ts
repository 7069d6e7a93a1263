import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Tasks1795404990632 implements MigrationInterface {
  name = 'Tasks1795404990632';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TYPE "public"."task_status" AS ENUM('PENDING', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED')`,
    );
    await queryRunner.query(
      `CREATE TABLE "tasks" ("id" uuid NOT NULL, "task_name" character varying(255) NOT NULL, "status" "public"."task_status" NOT NULL DEFAULT 'PENDING', "args" jsonb NOT NULL DEFAULT '{}', "result" jsonb, "error" text, "error_code" character varying(64), "progress" smallint NOT NULL DEFAULT '0', "progress_message" character varying(500), "retries" integer NOT NULL DEFAULT '0', "max_retries" integer NOT NULL DEFAULT '0', "worker" character varying(100), "heartbeat_at" TIMESTAMP WITH TIME ZONE, "user_id" integer, "related_type" character varying(50), "related_id" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_8d12ff38fcc62aaba2cab748772" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_tasks_related" ON "tasks"  ("related_type", "related_id") `);
    await queryRunner.query(`CREATE INDEX "idx_tasks_created" ON "tasks"  ("created_at") `);
    await queryRunner.query(`CREATE INDEX "idx_tasks_user" ON "tasks"  ("user_id") `);
    await queryRunner.query(`CREATE INDEX "idx_tasks_status" ON "tasks"  ("status") `);
    await queryRunner.query(
      `ALTER TABLE "tasks" ADD CONSTRAINT "FK_db55af84c226af9dce09487b61b" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tasks" DROP CONSTRAINT "FK_db55af84c226af9dce09487b61b"`);
    await queryRunner.query(`DROP INDEX "public"."idx_tasks_status"`);
    await queryRunner.query(`DROP INDEX "public"."idx_tasks_user"`);
    await queryRunner.query(`DROP INDEX "public"."idx_tasks_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_tasks_related"`);
    await queryRunner.query(`DROP TABLE "tasks"`);
    await queryRunner.query(`DROP TYPE "public"."task_status"`);
  }
}
