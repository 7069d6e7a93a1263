import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Freqtrade1795405885556 implements MigrationInterface {
  name = 'Freqtrade1795405885556';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "bot_leases" ("strategy_id" integer NOT NULL, "instance" character varying(255) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "acquired_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_a34982c4d7ea7657f0db4836c15" PRIMARY KEY ("strategy_id"))`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."freqtrade_installation_status" AS ENUM('installing', 'installed', 'failed')`,
    );
    await queryRunner.query(
      `CREATE TABLE "freqtrade_installations" ("id" SERIAL NOT NULL, "version" character varying(20) NOT NULL, "venv_path" text NOT NULL, "bin_path" text NOT NULL, "python_version" character varying(20), "ccxt_version" character varying(20), "status" "public"."freqtrade_installation_status" NOT NULL DEFAULT 'installing', "is_active" boolean NOT NULL DEFAULT false, "error" text, "task_id" uuid, "installed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_eb79a8a9f6e0722400384d0af08" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_freqtrade_installations_one_active" ON "freqtrade_installations"  ("is_active") WHERE "is_active"`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_freqtrade_installations_version" ON "freqtrade_installations"  ("version") `,
    );
    await queryRunner.query(
      `ALTER TABLE "bot_leases" ADD CONSTRAINT "FK_a34982c4d7ea7657f0db4836c15" FOREIGN KEY ("strategy_id") REFERENCES "strategies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "bot_leases" DROP CONSTRAINT "FK_a34982c4d7ea7657f0db4836c15"`);
    await queryRunner.query(`DROP INDEX "public"."idx_freqtrade_installations_version"`);
    await queryRunner.query(`DROP INDEX "public"."idx_freqtrade_installations_one_active"`);
    await queryRunner.query(`DROP TABLE "freqtrade_installations"`);
    await queryRunner.query(`DROP TYPE "public"."freqtrade_installation_status"`);
    await queryRunner.query(`DROP TABLE "bot_leases"`);
  }
}
