import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Training1795430668032 implements MigrationInterface {
  name = 'Training1795430668032';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TYPE "public"."training_status" AS ENUM('pending', 'running', 'completed', 'failed', 'cancelled')`,
    );
    await queryRunner.query(
      `CREATE TABLE "training_jobs" ("id" SERIAL NOT NULL, "name" character varying(100) NOT NULL, "description" text, "status" "public"."training_status" NOT NULL DEFAULT 'pending', "progress" numeric(5,2) NOT NULL DEFAULT '0', "current_epoch" integer NOT NULL DEFAULT '0', "total_epochs" integer, "config" jsonb NOT NULL, "hyperparameters" jsonb NOT NULL DEFAULT '{}', "metrics" jsonb NOT NULL DEFAULT '{}', "best_metrics" jsonb NOT NULL DEFAULT '{}', "model_path" character varying(500), "logs" text, "error_message" text, "strategy_id" integer, "strategy_version" character varying(20), "dataset_id" integer, "user_id" integer NOT NULL, "parent_job_id" integer, "task_id" uuid, "freqtrade_version" character varying(20), "estimated_duration" integer, "actual_duration" integer, "freqtrade_seconds" numeric(10,2), "cpu_usage" numeric(6,2), "memory_usage" numeric(5,2), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_8596b9a44ae04a393792936a05b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_training_jobs_created" ON "training_jobs"  ("created_at") `);
    await queryRunner.query(`CREATE INDEX "idx_training_jobs_status" ON "training_jobs"  ("status") `);
    await queryRunner.query(`CREATE INDEX "idx_training_jobs_strategy" ON "training_jobs"  ("strategy_id") `);
    await queryRunner.query(`CREATE INDEX "idx_training_jobs_user" ON "training_jobs"  ("user_id") `);
    await queryRunner.query(
      `CREATE TABLE "training_metrics" ("id" SERIAL NOT NULL, "training_job_id" integer NOT NULL, "epoch" integer NOT NULL, "step" integer, "metrics" jsonb NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c2563425298d673a70232323cad" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_training_metrics_epoch" ON "training_metrics"  ("training_job_id", "epoch") `,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_training_metrics_job" ON "training_metrics"  ("training_job_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "training_jobs" ADD CONSTRAINT "FK_1d5b4060e722764aac6d88a4434" FOREIGN KEY ("strategy_id") REFERENCES "strategies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "training_jobs" ADD CONSTRAINT "FK_3a88799101749ac9eb448309a6a" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "training_jobs" ADD CONSTRAINT "FK_a4538c69676a5615ff8a342982b" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "training_jobs" ADD CONSTRAINT "FK_1fd74848698f35a987061f90f37" FOREIGN KEY ("parent_job_id") REFERENCES "training_jobs"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "training_metrics" ADD CONSTRAINT "FK_00666f4402107bd232dc2631c54" FOREIGN KEY ("training_job_id") REFERENCES "training_jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "training_metrics" DROP CONSTRAINT "FK_00666f4402107bd232dc2631c54"`,
    );
    await queryRunner.query(`ALTER TABLE "training_jobs" DROP CONSTRAINT "FK_1fd74848698f35a987061f90f37"`);
    await queryRunner.query(`ALTER TABLE "training_jobs" DROP CONSTRAINT "FK_a4538c69676a5615ff8a342982b"`);
    await queryRunner.query(`ALTER TABLE "training_jobs" DROP CONSTRAINT "FK_3a88799101749ac9eb448309a6a"`);
    await queryRunner.query(`ALTER TABLE "training_jobs" DROP CONSTRAINT "FK_1d5b4060e722764aac6d88a4434"`);
    await queryRunner.query(`DROP INDEX "public"."idx_training_metrics_job"`);
    await queryRunner.query(`DROP INDEX "public"."idx_training_metrics_epoch"`);
    await queryRunner.query(`DROP TABLE "training_metrics"`);
    await queryRunner.query(`DROP INDEX "public"."idx_training_jobs_user"`);
    await queryRunner.query(`DROP INDEX "public"."idx_training_jobs_strategy"`);
    await queryRunner.query(`DROP INDEX "public"."idx_training_jobs_status"`);
    await queryRunner.query(`DROP INDEX "public"."idx_training_jobs_created"`);
    await queryRunner.query(`DROP TABLE "training_jobs"`);
    await queryRunner.query(`DROP TYPE "public"."training_status"`);
  }
}
