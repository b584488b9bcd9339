import { test } from '@japa/runner'
import { cidrList } from '#start/env_rules'

test.group('ENVIRONMENT_EGRESS_ALLOW rule (CIDR lists)', () => {
  test('accepts IPv4 and IPv6 blocks and bare addresses, comma-separated', ({ assert }) => {
    const rule = cidrList()
    const value = '10.20.0.0/16, 192.168.7.5,fd00:1::/64,2001:db8::1'
    assert.equal(rule('ENVIRONMENT_EGRESS_ALLOW', value), value)
    assert.isUndefined(rule('ENVIRONMENT_EGRESS_ALLOW', ''))
  })

  for (const bad of [
    '10.0.0.0/33',
    'fd00::/129',
    'intranet.example',
    '10.0.0.0/8/1',
    '10.0.0/8',
    '10.0.0.0/-1',
  ]) {
    test(`refuses "${bad}" and names the variable`, ({ assert }) => {
      assert.throws(
        () => cidrList()('ENVIRONMENT_EGRESS_ALLOW', `10.1.0.0/16,${bad}`),
        /Invalid environment variable "ENVIRONMENT_EGRESS_ALLOW"/
      )
    })
  }
})
