import { randomUUID } from 'node:crypto'
import factory from '@adonisjs/lucid/factories'
import Image from '#models/image'

/**
 * A catalogue image: busybox httpd from the locally built test image
 * (scripts/lib/build_test_images.sh) on the port the portal assigns.
 */
export const ImageFactory = factory
  .define(Image, () => ({
    name: `httpd-${randomUUID().slice(0, 8)}`,
    description: 'busybox httpd',
    reference: 'portal-test/busybox:1',
    driver: 'docker' as const,
    protocol: 'http' as const,
    port: 8080,
    cpuMillicores: 250,
    memoryBytes: 64 * 1024 * 1024,
    storageBytes: 0,
    gpus: 0,
    environment: {},
    command: ['/bin/sh', '-c', 'exec busybox httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /tmp'],
    requiresExperiment: false,
    enabled: true,
    allowedRoles: ['scientist' as const],
    lifetimeHours: null,
  }))
  .build()
