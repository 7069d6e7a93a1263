/**
 * The dependency pins each freqtrade release was tested with (its repository's requirements.txt at
 * the release tag; the sdist on PyPI does not ship that file). `pip install freqtrade==X` alone
 * resolves open ranges such as `ccxt>=…` to whatever is newest that day, so installs of a known
 * release are constrained to these. Platform markers are dropped: BTC Watcher installs on
 * x86_64/aarch64 Linux and macOS, where the first pin of each pair applies.
 */
export const KNOWN_CONSTRAINTS: Readonly<Record<string, readonly string[]>> = {
  '2025.8': [
    'numpy==2.3.2',
    'pandas==2.3.2',
    'bottleneck==1.5.0',
    'numexpr==2.11.0',
    'ft-pandas-ta==0.3.15',
    'ta-lib==0.6.5',
    'technical==1.5.3',
    'ccxt==4.5.2',
    'cryptography==45.0.6',
    'aiohttp==3.12.15',
    'SQLAlchemy==2.0.43',
    'python-telegram-bot==22.3',
    'humanize==4.12.3',
    'cachetools==6.1.0',
    'requests==2.32.5',
    'urllib3==2.5.0',
    'certifi==2025.8.3',
    'jsonschema==4.25.1',
    'tabulate==0.9.0',
    'pycoingecko==3.2.0',
    'jinja2==3.1.6',
    'joblib==1.5.2',
    'rich==14.1.0',
    'pyarrow==21.0.0',
    'python-rapidjson==1.21',
    'orjson==3.11.2',
    'sdnotify==0.3.2',
    'fastapi==0.116.1',
    'pydantic==2.11.7',
    'uvicorn==0.35.0',
    'pyjwt==2.10.1',
    'aiofiles==24.1.0',
    'psutil==7.0.0',
    'questionary==2.1.0',
    'prompt-toolkit==3.0.51',
    'python-dateutil==2.9.0.post0',
    'pytz==2025.2',
    'schedule==1.2.2',
    'websockets==15.0.1',
    'janus==2.0.0',
    'ast-comments==1.2.3',
    'packaging==25.0',
  ],
};
