import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Proxies1795416496527 implements MigrationInterface {
  name = 'Proxies1795416496527';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."proxy_type" AS ENUM('socks5', 'http', 'https')`);
    await queryRunner.query(`CREATE TYPE "public"."proxy_status" AS ENUM('unknown', 'healthy', 'unhealthy')`);
    await queryRunner.query(
      `CREATE TABLE "proxies" ("id" SERIAL NOT NULL, "owner_id" integer NOT NULL, "name" character varying(100) NOT NULL, "type" "public"."proxy_type" NOT NULL, "host" character varying(255) NOT NULL, "port" integer NOT NULL, "username" character varying(255), "password_sealed" text, "enabled" boolean NOT NULL DEFAULT true, "priority" integer NOT NULL DEFAULT '1', "test_url" character varying(2000) NOT NULL, "check_interval_seconds" integer NOT NULL DEFAULT '3600', "check_timeout_seconds" integer NOT NULL DEFAULT '10', "retry_count" integer NOT NULL DEFAULT '3', "status" "public"."proxy_status" NOT NULL DEFAULT 'unknown', "consecutive_failures" integer NOT NULL DEFAULT '0', "consecutive_successes" integer NOT NULL DEFAULT '0', "last_check_at" TIMESTAMP WITH TIME ZONE, "next_check_at" TIMESTAMP WITH TIME ZONE, "latency_ms" integer, "last_error" text, "status_changed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c66b4253ef600a915c610015093" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_proxies_next_check" ON "proxies"  ("next_check_at") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_proxies_owner_name" ON "proxies"  ("owner_id", "name") `,
    );
    await queryRunner.query(
      `CREATE TABLE "proxy_checks" ("id" BIGSERIAL NOT NULL, "proxy_id" integer NOT NULL, "checked_at" TIMESTAMP WITH TIME ZONE NOT NULL, "kind" character varying(10) NOT NULL, "success" boolean NOT NULL, "latency_ms" integer, "failure_stage" character varying(20), "http_status" integer, "error_message" text, CONSTRAINT "PK_ef790af9ba7f335162cff7f883c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "idx_proxy_checks_time" ON "proxy_checks"  ("checked_at") `);
    await queryRunner.query(
      `CREATE INDEX "idx_proxy_checks_proxy_time" ON "proxy_checks"  ("proxy_id", "checked_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "proxies" ADD CONSTRAINT "FK_ee299798526ac47f343bfbcd922" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "proxy_checks" ADD CONSTRAINT "FK_aed200b5045deae147274684ff2" FOREIGN KEY ("proxy_id") REFERENCES "proxies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "proxy_checks" DROP CONSTRAINT "FK_aed200b5045deae147274684ff2"`);
    await queryRunner.query(`ALTER TABLE "proxies" DROP CONSTRAINT "FK_ee299798526ac47f343bfbcd922"`);
    await queryRunner.query(`DROP INDEX "public"."idx_proxy_checks_proxy_time"`);
    await queryRunner.query(`DROP INDEX "public"."idx_proxy_checks_time"`);
    await queryRunner.query(`DROP TABLE "proxy_checks"`);
    await queryRunner.query(`DROP INDEX "public"."idx_proxies_owner_name"`);
    await queryRunner.query(`DROP INDEX "public"."idx_proxies_next_check"`);
    await queryRunner.query(`DROP TABLE "proxies"`);
    await queryRunner.query(`DROP TYPE "public"."proxy_status"`);
    await queryRunner.query(`DROP TYPE "public"."proxy_type"`);
  }
}
