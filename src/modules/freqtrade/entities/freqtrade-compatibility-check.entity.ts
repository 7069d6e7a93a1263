import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export const COMPATIBILITY_VERDICTS = ['compatible', 'changed', 'incompatible'] as const;
export type CompatibilityVerdict = (typeof COMPATIBILITY_VERDICTS)[number];

export const COMPATIBILITY_CHECK_STATUSES = ['running', 'completed', 'failed'] as const;
export type CompatibilityCheckStatus = (typeof COMPATIBILITY_CHECK_STATUSES)[number];

/** One strategy's verdict: what loaded, what ran, and the first candles whose signals differ. */
export interface StrategyCompatibility {
  strategy_id: number;
  strategy_name: string;
  strategy_class: string;
  strategy_version: string;
  verdict: CompatibilityVerdict;
  interface_version: number | null;
  loads_on_target: boolean;
  /** Candles compared, and signals found on each side. */
  candles: number;
  signals_current: number | null;
  signals_target: number | null;
  /** Up to 10: `{pair, date, current: [...kinds], target: [...kinds]}`. */
  differences: { pair: string; date: string; current: string[]; target: string[] }[];
  /** freqtrade's own words when it failed to load or to run. */
  error: string | null;
}

/** A compatibility check of every strategy of a user against a target freqtrade version. */
@Entity('freqtrade_compatibility_checks')
@Index('idx_freqtrade_compat_target', ['targetVersion', 'createdAt'])
export class FreqtradeCompatibilityCheck {
  /** The task's id: one check is one task. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'int', nullable: true })
  ownerId!: number | null;

  /** The version the signals were compared against (the active one when the check started). */
  @Column({ type: 'varchar', length: 20 })
  baseVersion!: string;

  @Column({ type: 'varchar', length: 20 })
  targetVersion!: string;

  @Column({
    type: 'enum',
    enum: COMPATIBILITY_CHECK_STATUSES,
    enumName: 'freqtrade_compatibility_check_status',
    default: 'running',
  })
  status!: CompatibilityCheckStatus;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  results!: StrategyCompatibility[];

  @Column({ type: 'int', default: 0 })
  totalStrategies!: number;

  @Column({ type: 'int', default: 0 })
  compatibleStrategies!: number;

  @Column({ type: 'int', default: 0 })
  changedStrategies!: number;

  @Column({ type: 'int', default: 0 })
  incompatibleStrategies!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
