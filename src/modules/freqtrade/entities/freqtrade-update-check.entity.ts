import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One comparison of the active freqtrade with the package index's newest stable release. */
@Entity('freqtrade_update_checks')
@Index('idx_freqtrade_update_checks_checked', ['checkedAt'])
export class FreqtradeUpdateCheck {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'timestamptz' })
  checkedAt!: Date;

  /** The active version at the time (null: none installed). */
  @Column({ type: 'varchar', length: 20, nullable: true })
  currentVersion!: string | null;

  /** The newest stable release the index listed (null: the index could not be read). */
  @Column({ type: 'varchar', length: 20, nullable: true })
  latestVersion!: string | null;

  @Column({ type: 'boolean', default: false })
  updateAvailable!: boolean;

  @Column({ type: 'boolean' })
  indexReachable!: boolean;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** Whether this check raised the `system_alert` for latestVersion (one per release). */
  @Column({ type: 'boolean', default: false })
  alerted!: boolean;
}
