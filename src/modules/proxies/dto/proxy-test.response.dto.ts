/** The result of one connectivity test (POST /proxies/{id}/test). */
export class ProxyTestResponseDto {
  connectivity!: boolean;
  /** Request time through the proxy, connect to last byte; null when nothing answered. */
  latency_ms!: number | null;
  /** Percentage of the last 100 checks (this one included) that succeeded. */
  success_rate!: number | null;
  test_time!: string;
  /** Which stage failed and why; never a credential. Null on success. */
  error_message!: string | null;
  /** proxy_connect | proxy_auth | tunnel | connect | dns | tls | timeout | http_status | unknown; null on success. */
  failure_stage!: string | null;
  /** The target's HTTP status, when it answered. */
  http_status!: number | null;
  /** The proxy's status after this test. */
  status!: string;
}
