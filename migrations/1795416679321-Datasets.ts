import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Datasets1795416679321 implements MigrationInterface {
  name = 'Datasets1795416679321';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TYPE "public"."dataset_status" AS ENUM('uploading', 'processing', 'ready', 'error')`,
    );
    await queryRunner.query(
      `CREATE TABLE "datasets" ("id" SERIAL NOT NULL, "name" character varying(100) NOT NULL, "description" text, "file_path" character varying(500) NOT NULL, "file_size" bigint, "file_type" character varying(20), "row_count" integer, "column_count" integer, "columns" jsonb, "status" "public"."dataset_status" NOT NULL DEFAULT 'uploading', "error_message" text, "statistics" jsonb, "sample_data" jsonb, "exchange" character varying(50) NOT NULL, "pair" character varying(50) NOT NULL, "timeframe" character varying(10) NOT NULL, "first_candle_at" TIMESTAMP WITH TIME ZONE, "last_candle_at" TIMESTAMP WITH TIME ZONE, "backtestable" boolean NOT NULL DEFAULT true, "lineage" jsonb, "bad_rows" jsonb, "task_id" uuid, "owner_id" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1bf831e43c559a240303e23d038" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_datasets_market" ON "datasets"  ("pair", "timeframe") `);
    await queryRunner.query(`CREATE INDEX "idx_datasets_created" ON "datasets"  ("created_at") `);
    await queryRunner.query(`CREATE INDEX "idx_datasets_status" ON "datasets"  ("status") `);
    await queryRunner.query(`CREATE INDEX "idx_datasets_owner" ON "datasets"  ("owner_id") `);
    await queryRunner.query(
      `ALTER TABLE "datasets" ADD CONSTRAINT "FK_f8dd82291f006bfe0d29794a959" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "datasets" DROP CONSTRAINT "FK_f8dd82291f006bfe0d29794a959"`);
    await queryRunner.query(`DROP INDEX "public"."idx_datasets_owner"`);
    await queryRunner.query(`DROP INDEX "public"."idx_datasets_status"`);
    await queryRunner.query(`DROP INDEX "public"."idx_datasets_created"`);
    await queryRunner.query(`DROP INDEX "public"."idx_datasets_market"`);
    await queryRunner.query(`DROP TABLE "datasets"`);
    await queryRunner.query(`DROP TYPE "public"."dataset_status"`);
  }
}
