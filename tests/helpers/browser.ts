/// <reference lib="dom" />
// (page.evaluate callbacks below run in the browser)
import { access, constants, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type BrowserContextOptions, type Locator, type Page } from 'playwright'
import app from '@adonisjs/core/services/app'
import env from '#start/env'

/**
 * Debian's Chromium, installed by scripts/test.sh when missing (no browser
 * is ever downloaded). Playwright gives each launch a fresh temporary
 * profile (user-data-dir) of its own.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** The browser suite's launcher: fails loudly, naming the fix, when Chromium is missing. */
export async function launchDebianChromium(options: { headless?: boolean; slowMo?: number }) {
  try {
    await access(CHROMIUM_PATH, constants.X_OK)
  } catch {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: the browser tests need Debian's "chromium" package (scripts/test.sh installs it with apt-get)`
    )
  }
  return chromium.launch({
    ...options,
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  })
}

/** The in-process test server (the port .env.test or the test slot gives it). */
export const PORTAL_URL = `http://${env.get('HOST', '127.0.0.1')}:${env.get('PORT')}`

/** Every test's browser context: a laptop screen, the portal as base URL, UTC. */
export const BROWSER_CONTEXT_OPTIONS: BrowserContextOptions = {
  baseURL: PORTAL_URL,
  viewport: { width: 1366, height: 768 },
  locale: 'en-GB',
  timezoneId: 'UTC',
}

/** Where screenshots of the main pages go (git-ignored test artefacts). */
export const ARTIFACTS_DIR = app.makePath('tmp', 'browser-artifacts')

/** A full-page screenshot, `tmp/browser-artifacts/<name>.png`. */
export async function screenshot(page: Page, name: string) {
  await mkdir(ARTIFACTS_DIR, { recursive: true })
  const path = join(ARTIFACTS_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Signs in through the console's form and waits for the signed-in frame. */
export async function signInThroughForm(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}

/**
 * A basic automated accessibility check of what the page shows: a language,
 * one h1, a label for every form control, a name for every button and link,
 * a text alternative for graphics, and WCAG AA contrast (4.5:1, 3:1 for
 * large text) for visible text of enabled elements. Returns the problems.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = []
    const describe = (element: Element) =>
      `<${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${
        element.getAttribute('name') ? ` name=${element.getAttribute('name')}` : ''
      }> "${(element.textContent ?? '').trim().slice(0, 40)}"`
    const visible = (element: Element) => {
      const box = (element as HTMLElement).getBoundingClientRect()
      const style = getComputedStyle(element)
      return (
        box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none'
      )
    }
    const labelled = (element: Element) =>
      Boolean(
        element.getAttribute('aria-label')?.trim() ||
        element.getAttribute('aria-labelledby') ||
        ((element as HTMLInputElement).labels?.length ?? 0) > 0
      )

    if (!document.documentElement.lang) {
      problems.push('the page has no lang')
    }
    const headings = [...document.querySelectorAll('h1')].filter(visible)
    if (headings.length !== 1) {
      problems.push(`expected one visible h1, found ${headings.length}`)
    }
    for (const control of document.querySelectorAll('input, select, textarea')) {
      if ((control as HTMLInputElement).type !== 'hidden' && !labelled(control)) {
        problems.push(`form control without a label: ${describe(control)}`)
      }
    }
    for (const element of document.querySelectorAll('button, a[href]')) {
      if (visible(element) && !element.textContent?.trim() && !labelled(element)) {
        problems.push(`button or link without a name: ${describe(element)}`)
      }
    }
    for (const graphic of document.querySelectorAll('img, svg[role="img"]')) {
      if (!graphic.getAttribute('alt') && !labelled(graphic)) {
        problems.push(`graphic without a text alternative: ${describe(graphic)}`)
      }
    }

    // Contrast, per WCAG 2.x relative luminance.
    const parse = (color: string) => {
      const [r, g, b, a = 1] = (color.match(/[\d.]+/g) ?? []).map(Number)
      return { r, g, b, a }
    }
    const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const channel = (value: number) => {
        const c = value / 255
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
      }
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }
    const background = (element: Element | null): { r: number; g: number; b: number } => {
      for (let node = element; node; node = node.parentElement) {
        const color = parse(getComputedStyle(node).backgroundColor)
        if (color.a >= 0.99) {
          return color
        }
      }
      return { r: 255, g: 255, b: 255 }
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    const checked = new Set<Element>()
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement
      if (!element || checked.has(element) || !node.textContent?.trim() || !visible(element)) {
        continue
      }
      checked.add(element)
      if (element.closest('button:disabled, [aria-disabled="true"], option, .visually-hidden')) {
        continue
      }
      const style = getComputedStyle(element)
      const foreground = parse(style.color)
      const back = background(element)
      const [light, dark] = [luminance(foreground), luminance(back)].sort((x, y) => y - x)
      const ratio = (light + 0.05) / (dark + 0.05)
      const size = Number.parseFloat(style.fontSize)
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700)
      if (ratio < (large ? 3 : 4.5)) {
        problems.push(`contrast ${ratio.toFixed(2)}:1 for ${describe(element)}`)
      }
    }
    return problems
  })
}

/**
 * Waits until a removed environment's row says "Removed" or has left the
 * list (a reload after a quick removal no longer lists it).
 */
export async function waitUntilRemoved(row: Locator, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (
      (await row.count()) === 0 ||
      (await row.getByText('Removed', { exact: true }).count()) > 0
    ) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`the environment row still shows "${await row.textContent()}"`)
}
