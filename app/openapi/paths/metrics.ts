export const metricsPaths = {
  '/metrics': {
    get: {
      tags: ['Monitoring'],
      summary: 'Prometheus metrics (docs/metrics.md)',
      description: [
        'Answered on the API port only when `METRICS_TOKEN` is set and `METRICS_PORT` is not (with `METRICS_PORT` the metrics move to a listener of their own); otherwise this path is a 404 like any unknown one.',
        'Send the token as `Authorization: Bearer <METRICS_TOKEN>`; personal API tokens and sessions do not open it.',
      ].join('\n'),
      security: [{ metricsToken: [] }],
      responses: {
        200: {
          description: 'The Prometheus text exposition format, version 0.0.4',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        401: { $ref: '#/components/responses/Unauthenticated' },
        404: { $ref: '#/components/responses/NotFound' },
      },
    },
  },
}
