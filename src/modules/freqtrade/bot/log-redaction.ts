// freqtrade prints secrets of ours in a few places: uvicorn's access line for the message websocket
// carries `?token=<ws_token>`, and "Applying additional ccxt config" echoes proxy URLs with their
// credentials. Every line is redacted before it is stored, logged or shown in an error.
const QUERY_TOKEN = /([?&](?:token|ws_token|access_token)=)[^&\s"']+/gi;
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@'"]+:[^/\s@'"]+@/gi;
const CONFIG_SECRET = /(['"](?:password|secret|jwt_secret_key|ws_token|key)['"]\s*:\s*['"])[^'"]+(['"])/gi;

export function redactSecrets(line: string): string {
  return line
    .replace(QUERY_TOKEN, '$1***')
    .replace(URL_CREDENTIALS, '$1***:***@')
    .replace(CONFIG_SECRET, '$1***$2');
}
