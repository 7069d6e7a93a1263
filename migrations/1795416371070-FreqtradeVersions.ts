import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FreqtradeVersions1795416371070 implements MigrationInterface {
  name = 'FreqtradeVersions1795416371070';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "freqtrade_update_checks" ("id" SERIAL NOT NULL, "checked_at" TIMESTAMP WITH TIME ZONE NOT NULL, "current_version" character varying(20), "latest_version" character varying(20), "update_available" boolean NOT NULL DEFAULT false, "index_reachable" boolean NOT NULL, "error" text, "alerted" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_463cd96bc4d43e754d426ce8c3a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_freqtrade_update_checks_checked" ON "freqtrade_update_checks"  ("checked_at") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."freqtrade_compatibility_check_status" AS ENUM('running', 'completed', 'failed')`,
    );
    await queryRunner.query(
      `CREATE TABLE "freqtrade_compatibility_checks" ("id" uuid NOT NULL, "owner_id" integer, "base_version" character varying(20) NOT NULL, "target_version" character varying(20) NOT NULL, "status" "public"."freqtrade_compatibility_check_status" NOT NULL DEFAULT 'running', "results" jsonb NOT NULL DEFAULT '[]', "total_strategies" integer NOT NULL DEFAULT '0', "compatible_strategies" integer NOT NULL DEFAULT '0', "changed_strategies" integer NOT NULL DEFAULT '0', "incompatible_strategies" integer NOT NULL DEFAULT '0', "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_7395bbb277be16640d10a861584" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_freqtrade_compat_target" ON "freqtrade_compatibility_checks"  ("target_version", "created_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "freqtrade_installations" ADD "activated_at" TIMESTAMP WITH TIME ZONE`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "freqtrade_installations" DROP COLUMN "activated_at"`);
    await queryRunner.query(`DROP INDEX "public"."idx_freqtrade_compat_target"`);
    await queryRunner.query(`DROP TABLE "freqtrade_compatibility_checks"`);
    await queryRunner.query(`DROP TYPE "public"."freqtrade_compatibility_check_status"`);
    await queryRunner.query(`DROP INDEX "public"."idx_freqtrade_update_checks_checked"`);
    await queryRunner.query(`DROP TABLE "freqtrade_update_checks"`);
  }
}
