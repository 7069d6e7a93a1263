// @ts-check
// Spot markets the emulator lists, and their entries in /api/v3/exchangeInfo in Binance's format
// (the fields and filters ccxt's parseMarket and freqtrade read, plus the rest Binance sends).

/**
 * @typedef {object} MarketConfig
 * @property {string} symbol "BTCUSDT" or "BTC/USDT"
 * @property {string} [base] default: split from the symbol by a known quote asset
 * @property {string} [quote]
 * @property {string} [status] default "TRADING"; anything else makes ccxt mark the market inactive
 * @property {string} [tickSize] price step (default "0.01"); also the minimum price
 * @property {string} [stepSize] quantity step (default "0.00001"); also the minimum quantity
 * @property {string} [minNotional] default "5"
 * @property {number} [price] level of the default random-walk series (default by base asset, else 100)
 * @property {string[]} [permissions] default []; "TRD_GRP_003" makes ccxt mark the market inactive
 */

/**
 * @typedef {object} Market
 * @property {string} id "BTCUSDT"
 * @property {string} base
 * @property {string} quote
 * @property {string} status
 * @property {number} tickSize
 * @property {number} stepSize
 * @property {number} minNotional
 * @property {number} price
 * @property {string[]} permissions
 */

// Longest first, so "FDUSD" wins over "USD"-like suffixes.
const QUOTES = [
  'FDUSD',
  'USDT',
  'USDC',
  'TUSD',
  'BUSD',
  'BTC',
  'ETH',
  'BNB',
  'EUR',
  'TRY',
  'BRL',
  'JPY',
  'DAI',
];
/** @type {Record<string, number>} */
const TYPICAL_PRICE = { BTC: 60_000, ETH: 3_000, BNB: 600, SOL: 150 };

/**
 * @param {string | MarketConfig} input
 * @returns {Market}
 */
export function normaliseMarket(input) {
  const config = typeof input === 'string' ? { symbol: input } : input;
  const [left, right] = config.symbol.toUpperCase().split('/');
  let base = config.base ?? (right ? left : undefined);
  let quote = config.quote ?? right;
  const id = right ? `${left}${right}` : left;
  if (!base || !quote) {
    const q = QUOTES.find((candidate) => id.endsWith(candidate) && id.length > candidate.length);
    if (!q) throw new RangeError(`cannot tell base and quote of ${config.symbol}: give base and quote`);
    quote = q;
    base = id.slice(0, -q.length);
  }
  if (`${base}${quote}` !== id) throw new RangeError(`${config.symbol} is not ${base} + ${quote}`);
  return {
    id,
    base,
    quote,
    status: config.status ?? 'TRADING',
    tickSize: Number(config.tickSize ?? '0.01'),
    stepSize: Number(config.stepSize ?? '0.00001'),
    minNotional: Number(config.minNotional ?? '5'),
    price: config.price ?? TYPICAL_PRICE[base] ?? 100,
    permissions: config.permissions ?? [],
  };
}

/**
 * Binance's decimal strings: 8 fractional digits.
 * @param {number} value
 */
export function dec(value) {
  return value.toFixed(8);
}

/**
 * The market's element of exchangeInfo's `symbols`.
 * @param {Market} m
 */
export function exchangeInfoSymbol(m) {
  return {
    symbol: m.id,
    status: m.status,
    baseAsset: m.base,
    baseAssetPrecision: 8,
    quoteAsset: m.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: dec(m.tickSize),
        maxPrice: dec(1_000_000),
        tickSize: dec(m.tickSize),
      },
      { filterType: 'LOT_SIZE', minQty: dec(m.stepSize), maxQty: dec(9_000), stepSize: dec(m.stepSize) },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: dec(0), maxQty: dec(100), stepSize: dec(0) },
      {
        filterType: 'TRAILING_DELTA',
        minTrailingAboveDelta: 10,
        maxTrailingAboveDelta: 2000,
        minTrailingBelowDelta: 10,
        maxTrailingBelowDelta: 2000,
      },
      {
        filterType: 'PERCENT_PRICE_BY_SIDE',
        bidMultiplierUp: '5',
        bidMultiplierDown: '0.2',
        askMultiplierUp: '5',
        askMultiplierDown: '0.2',
        avgPriceMins: 5,
      },
      {
        filterType: 'NOTIONAL',
        minNotional: dec(m.minNotional),
        applyMinToMarket: true,
        maxNotional: dec(9_000_000),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: m.permissions,
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/**
 * The whole exchangeInfo body.
 * @param {Market[]} markets
 * @param {number} serverTime
 */
export function exchangeInfo(markets, serverTime) {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: markets.map(exchangeInfoSymbol),
  };
}

/**
 * USDⓈ-M / COIN-M futures exchangeInfo with no contracts, so an un-narrowed ccxt loads spot only.
 * @param {number} serverTime
 */
export function emptyFuturesExchangeInfo(serverTime) {
  return { timezone: 'UTC', serverTime, rateLimits: [], exchangeFilters: [], assets: [], symbols: [] };
}
