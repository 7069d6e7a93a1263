import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Evaluations1795418706867 implements MigrationInterface {
  name = 'Evaluations1795418706867';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TYPE "public"."evaluation_type" AS ENUM('backtest', 'performance', 'risk', 'comparison', 'signal_quality')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."evaluation_status" AS ENUM('pending', 'running', 'completed', 'failed', 'cancelled')`,
    );
    await queryRunner.query(
      `CREATE TABLE "evaluations" ("id" SERIAL NOT NULL, "name" character varying(100) NOT NULL, "evaluation_type" "public"."evaluation_type" NOT NULL, "status" "public"."evaluation_status" NOT NULL DEFAULT 'pending', "config" jsonb NOT NULL, "start_date" TIMESTAMP WITH TIME ZONE, "end_date" TIMESTAMP WITH TIME ZONE, "results" jsonb NOT NULL DEFAULT '{}', "report_path" character varying(500), "charts" jsonb NOT NULL DEFAULT '[]', "error_message" text, "strategy_id" integer, "dataset_id" integer, "user_id" integer NOT NULL, "task_id" uuid, "freqtrade_version" character varying(20), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_f683b433eba0e6dae7e19b29e29" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_evaluations_status" ON "evaluations"  ("status") `);
    await queryRunner.query(`CREATE INDEX "idx_evaluations_type" ON "evaluations"  ("evaluation_type") `);
    await queryRunner.query(`CREATE INDEX "idx_evaluations_strategy" ON "evaluations"  ("strategy_id") `);
    await queryRunner.query(`CREATE INDEX "idx_evaluations_user" ON "evaluations"  ("user_id") `);
    await queryRunner.query(
      `ALTER TABLE "evaluations" ADD CONSTRAINT "FK_d2429f84a6a6073dcc6beb6ffc2" FOREIGN KEY ("strategy_id") REFERENCES "strategies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "evaluations" ADD CONSTRAINT "FK_2322aeef9cbc3e60abb05aaa055" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "evaluations" ADD CONSTRAINT "FK_3d371b1ebe55ca4c60cbf66fa0e" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "evaluations" DROP CONSTRAINT "FK_3d371b1ebe55ca4c60cbf66fa0e"`);
    await queryRunner.query(`ALTER TABLE "evaluations" DROP CONSTRAINT "FK_2322aeef9cbc3e60abb05aaa055"`);
    await queryRunner.query(`ALTER TABLE "evaluations" DROP CONSTRAINT "FK_d2429f84a6a6073dcc6beb6ffc2"`);
    await queryRunner.query(`DROP INDEX "public"."idx_evaluations_user"`);
    await queryRunner.query(`DROP INDEX "public"."idx_evaluations_strategy"`);
    await queryRunner.query(`DROP INDEX "public"."idx_evaluations_type"`);
    await queryRunner.query(`DROP INDEX "public"."idx_evaluations_status"`);
    await queryRunner.query(`DROP TABLE "evaluations"`);
    await queryRunner.query(`DROP TYPE "public"."evaluation_status"`);
    await queryRunner.query(`DROP TYPE "public"."evaluation_type"`);
  }
}
