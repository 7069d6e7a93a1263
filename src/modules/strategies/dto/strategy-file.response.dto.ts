export class StrategyFileDto {
  /** Relative to STRATEGIES_DIR, with forward slashes. */
  path!: string;
  /** Classes defined as `class X(IStrategy)`. */
  classes!: string[];
  size_bytes!: number;
  modified_at!: string;
}

export class StrategyFilesResponseDto {
  /** Absolute STRATEGIES_DIR on the server. */
  root!: string;
  files!: StrategyFileDto[];
}
