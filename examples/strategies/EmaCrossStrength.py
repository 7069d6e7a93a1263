# A sample signal monitor for BTC Watcher: EMA crossovers, with a 0-100 `signal_strength` column
# that BTC Watcher turns into a strength level and a priority (>= 80 strong/P0, >= 50 medium/P1,
# >= 20 weak/P2 by default). Uses pandas only, so it runs on any freqtrade install.
from pandas import DataFrame

from freqtrade.strategy import IStrategy


class EmaCrossStrength(IStrategy):
    INTERFACE_VERSION = 3
    timeframe = "1m"
    # A monitor never trades; freqtrade still requires these.
    stoploss = -0.10
    minimal_roi = {"0": 10}
    startup_candle_count = 30
    process_only_new_candles = True

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["ema_fast"] = dataframe["close"].ewm(span=5, adjust=False).mean()
        dataframe["ema_slow"] = dataframe["close"].ewm(span=13, adjust=False).mean()
        dataframe["spread_pct"] = (dataframe["ema_fast"] / dataframe["ema_slow"] - 1) * 100
        delta = dataframe["close"].diff()
        gain = delta.clip(lower=0).rolling(14).mean()
        loss = (-delta.clip(upper=0)).rolling(14).mean()
        dataframe["rsi"] = 100 - 100 / (1 + gain / loss)
        # Stronger when the crossing comes with momentum: RSI far from 50 and a clear EMA spread.
        momentum = (dataframe["rsi"] - 50).abs() * 2
        dataframe["signal_strength"] = (momentum * 0.7 + dataframe["spread_pct"].abs() * 300).clip(0, 100)
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        above = dataframe["ema_fast"] > dataframe["ema_slow"]
        crossed_up = above & ~above.shift(1, fill_value=False)
        dataframe.loc[crossed_up, ["enter_long", "enter_tag"]] = (1, "ema_cross_up")
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        below = dataframe["ema_fast"] < dataframe["ema_slow"]
        crossed_down = below & ~below.shift(1, fill_value=False)
        dataframe.loc[crossed_down, ["exit_long", "exit_tag"]] = (1, "ema_cross_down")
        return dataframe
