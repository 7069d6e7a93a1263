import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { AppException } from '../../common/errors/app.exception.js';
import type { StrategyFileDto } from './dto/strategy-file.response.dto.js';

const CLASS_PATTERN = /^class\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(?:[A-Za-z_][\w.]*\.)?IStrategy\s*\)\s*:/gm;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_DEPTH = 5;

/** The IStrategy subclasses a Python source defines, found statically (nothing is executed). */
export function strategyClassesIn(source: string): string[] {
  return [...source.matchAll(CLASS_PATTERN)].map((m) => m[1]!);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Strategy .py files under STRATEGIES_DIR; every path a user names is confined to that directory. */
@Injectable()
export class StrategyFilesService {
  readonly root: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.root = config.paths.strategiesDir;
    mkdirSync(this.root, { recursive: true });
  }

  /**
   * The real absolute path of `relative` inside STRATEGIES_DIR. Absolute paths, `..` segments and
   * symlinks that lead outside are a 400; a missing file is STRATEGY_FILE_NOT_FOUND.
   */
  resolve(relative: string, field = 'config.strategy_file'): string {
    const invalid = (message: string) => new AppException('VALIDATION_ERROR', [{ field, message }]);
    if (path.isAbsolute(relative) || /^[A-Za-z]:/.test(relative))
      throw invalid('strategy_file must be relative to STRATEGIES_DIR');
    if (relative.split(/[\\/]/).includes('..')) throw invalid('strategy_file must not contain ..');
    if (!relative.endsWith('.py')) throw invalid('strategy_file must be a .py file');
    const root = realpathSync(this.root);
    let real: string;
    try {
      real = realpathSync(path.join(root, relative));
    } catch {
      throw new AppException('STRATEGY_FILE_NOT_FOUND', { strategy_file: relative });
    }
    if (!real.startsWith(root + path.sep)) throw invalid('strategy_file resolves outside STRATEGIES_DIR');
    return real;
  }

  async read(relative: string): Promise<string> {
    const file = this.resolve(relative);
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_FILE_BYTES)
      throw new AppException('STRATEGY_FILE_NOT_FOUND', { strategy_file: relative });
    return readFile(file, 'utf8');
  }

  /** Every .py file (hidden and __pycache__ directories skipped) with the strategy classes it defines. */
  async list(): Promise<StrategyFileDto[]> {
    const root = realpathSync(this.root);
    const out: StrategyFileDto[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.') || entry.name === '__pycache__') continue;
        const full = path.join(dir, entry.name);
        // A symlink is listed only when it leads to a file inside the directory (resolve() agrees).
        const linkOk = entry.isSymbolicLink() && entry.name.endsWith('.py') && this.insideRoot(full, root);
        if (entry.isDirectory() && depth < MAX_DEPTH) await walk(full, depth + 1);
        else if ((entry.isFile() || linkOk) && entry.name.endsWith('.py')) {
          const info = await stat(full);
          const source = info.size <= MAX_FILE_BYTES ? await readFile(full, 'utf8') : '';
          out.push({
            path: path.relative(root, full).split(path.sep).join('/'),
            classes: strategyClassesIn(source),
            size_bytes: info.size,
            modified_at: info.mtime.toISOString(),
          });
        }
      }
    };
    await walk(root, 0);
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  private insideRoot(file: string, root: string): boolean {
    try {
      return realpathSync(file).startsWith(root + path.sep);
    } catch {
      return false;
    }
  }
}
