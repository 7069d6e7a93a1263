import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const INSTALLATION_STATUSES = ['installing', 'installed', 'failed'] as const;
export type InstallationStatus = (typeof INSTALLATION_STATUSES)[number];

/** A freqtrade venv under DATA_DIR/freqtrade/versions/<version>/venv; one is the active one. */
@Entity('freqtrade_installations')
@Index('idx_freqtrade_installations_version', ['version'], { unique: true })
@Index('idx_freqtrade_installations_one_active', ['isActive'], { unique: true, where: '"is_active"' })
export class FreqtradeInstallation {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 20 })
  version!: string;

  @Column({ type: 'text' })
  venvPath!: string;

  @Column({ type: 'text' })
  binPath!: string;

  @Column({ type: 'varchar', length: 20, nullable: true })
  pythonVersion!: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  ccxtVersion!: string | null;

  @Column({
    type: 'enum',
    enum: INSTALLATION_STATUSES,
    enumName: 'freqtrade_installation_status',
    default: 'installing',
  })
  status!: InstallationStatus;

  @Column({ type: 'boolean', default: false })
  isActive!: boolean;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** The install task that made (or is making) it. */
  @Column({ type: 'uuid', nullable: true })
  taskId!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  installedAt!: Date | null;

  /** When it last became the active one: a rollback without a target returns to the latest inactive. */
  @Column({ type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
