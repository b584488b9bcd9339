/*
 * The demo facility: two scientists, three proposals (one shared), their
 * beamtime sessions and small but real data files. The User Office
 * process serves these proposals through the contract; the files are
 * written under the demo's datasets root, which the portal mounts
 * read-only, next to an output area it mounts read-write.
 */
import { chown, mkdir, rename, stat, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import type { UoExperiment } from '../tests/helpers/user_office_server.ts'

export const SCIENTISTS = ['scientist1', 'scientist2'] as const
export const ADMIN = 'admin'

/** One measured quantity against another, as a CSV file of a session. */
type Curve = {
  file: string
  columns: [string, string]
  /** x from, x to, points. */
  range: [number, number, number]
  /** y at x (noise is added). */
  shape: (x: number) => number
}

type DemoSession = { number: string; subject: string; curves: Curve[] }

type DemoProposal = {
  id: string
  title: string
  abstract: string
  beamLine: string
  /** POSIX identity the proposal's environments run as (owner of its output folder). */
  uid: number
  gid: number
  members: (typeof SCIENTISTS)[number][]
  sessions: DemoSession[]
}

const gaussian = (x: number, centre: number, width: number, height: number) =>
  height * Math.exp(-((x - centre) ** 2) / (2 * width ** 2))

/** Powder pattern: a sloping background and Bragg peaks. */
const powder =
  (peaks: [number, number][]) =>
  (x: number): number =>
    120 - x + peaks.reduce((sum, [centre, height]) => sum + gaussian(x, centre, 0.08, height), 0)

/** SAXS of spheres of radius r (nm): the form factor with a flat background. */
const spheres = (radius: number) => (q: number) => {
  const qr = q * radius
  const form = (3 * (Math.sin(qr) - qr * Math.cos(qr))) / qr ** 3
  return 1e4 * form ** 2 + 0.5
}

/** XAFS around the Fe K edge (7112 eV): an edge step with damped oscillations. */
const ironEdge = (shift: number) => (energy: number) => {
  const e = energy - 7112 - shift
  const step = 1 / (1 + Math.exp(-e / 1.5))
  const wiggles = e > 10 ? 0.08 * Math.sin(e / 9) * Math.exp(-e / 250) : 0
  return 0.2 + step * (1 + wiggles)
}

export const PROPOSALS: DemoProposal[] = [
  {
    id: 'DEMO-0001',
    title: 'Powder diffraction of LiFePO4 cathodes during cycling',
    abstract:
      'Phase evolution of LiFePO4/FePO4 battery cathodes, measured in operando at two states of charge.',
    beamLine: 'ID22',
    uid: 20001,
    gid: 20001,
    members: ['scientist1'],
    sessions: [
      {
        number: '1',
        subject: 'Pristine cathode',
        curves: [
          {
            file: 'pattern_pristine.csv',
            columns: ['two_theta_deg', 'intensity'],
            range: [10, 40, 1201],
            shape: powder([
              [17.1, 900],
              [20.7, 1500],
              [25.5, 700],
              [29.7, 1100],
              [32.2, 500],
              [35.6, 800],
            ]),
          },
        ],
      },
      {
        number: '2',
        subject: 'Half charged cathode',
        curves: [
          {
            file: 'pattern_half_charged.csv',
            columns: ['two_theta_deg', 'intensity'],
            range: [10, 40, 1201],
            shape: powder([
              [17.1, 450],
              [18.0, 500],
              [20.7, 750],
              [22.4, 800],
              [29.7, 550],
              [30.9, 600],
              [35.6, 400],
            ]),
          },
        ],
      },
    ],
  },
  {
    id: 'DEMO-0002',
    title: 'Small-angle scattering of gold nanoparticles',
    abstract: 'Size distribution of citrate-capped gold nanoparticles of three synthesis batches.',
    beamLine: 'BM29',
    uid: 20002,
    gid: 20002,
    members: ['scientist1', 'scientist2'],
    sessions: [
      {
        number: '1',
        subject: 'Batches A and B',
        curves: [
          {
            file: 'saxs_batch_a.csv',
            columns: ['q_per_nm', 'intensity'],
            range: [0.05, 3, 600],
            shape: spheres(5),
          },
          {
            file: 'saxs_batch_b.csv',
            columns: ['q_per_nm', 'intensity'],
            range: [0.05, 3, 600],
            shape: spheres(7.5),
          },
        ],
      },
      {
        number: '2',
        subject: 'Batch C',
        curves: [
          {
            file: 'saxs_batch_c.csv',
            columns: ['q_per_nm', 'intensity'],
            range: [0.05, 3, 600],
            shape: spheres(10),
          },
        ],
      },
    ],
  },
  {
    id: 'DEMO-0003',
    title: 'Iron oxidation state in volcanic glasses (XAFS)',
    abstract: 'Fe K-edge absorption spectra of basaltic glasses quenched at two oxygen fugacities.',
    beamLine: 'BM23',
    uid: 20003,
    gid: 20003,
    members: ['scientist2'],
    sessions: [
      {
        number: '1',
        subject: 'Reduced and oxidised glasses',
        curves: [
          {
            file: 'xafs_reduced.csv',
            columns: ['energy_ev', 'mu'],
            range: [7050, 7400, 701],
            shape: ironEdge(0),
          },
          {
            file: 'xafs_oxidised.csv',
            columns: ['energy_ev', 'mu'],
            range: [7050, 7400, 701],
            shape: ironEdge(4),
          },
        ],
      },
    ],
  },
]

/** Where the demo facility keeps its files. */
export type FacilityFolders = { datasets: string; output: string }

/** A session's folder inside the proposal's dataset folder. */
export function sessionFolder(folders: FacilityFolders, proposal: string, session: string) {
  return join(folders.datasets, proposal, `session-${session}`)
}

/** Deterministic noise, so every run writes the same files. */
function noise(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state / 2 ** 32 - 0.5
  }
}

function curveCsv(curve: Curve, seed: number) {
  const [from, to, points] = curve.range
  const random = noise(seed)
  const lines = [curve.columns.join(',')]
  for (let i = 0; i < points; i++) {
    const x = from + ((to - from) * i) / (points - 1)
    const y = curve.shape(x)
    lines.push(`${Number(x.toFixed(4))},${Number((y * (1 + 0.03 * random())).toPrecision(6))}`)
  }
  return lines.join('\n') + '\n'
}

async function exists(path: string) {
  return stat(path).then(
    () => true,
    () => false
  )
}

/**
 * Writes the proposals' CSV files (those missing), and the output
 * folders, each owned by its proposal's uid:gid. Returns the number of
 * data files.
 */
export async function writeDatasets(folders: FacilityFolders) {
  let files = 0
  for (const [p, proposal] of PROPOSALS.entries()) {
    for (const [s, session] of proposal.sessions.entries()) {
      const folder = sessionFolder(folders, proposal.id, session.number)
      await mkdir(folder, { recursive: true, mode: 0o755 })
      for (const [c, curve] of session.curves.entries()) {
        const path = join(folder, curve.file)
        files++
        if (await exists(path)) {
          continue
        }
        await writeFile(`${path}.partial`, curveCsv(curve, 1000 * p + 100 * s + c + 1), {
          mode: 0o644,
        })
        await rename(`${path}.partial`, path)
      }
    }
    // Shared by the proposal's members: environments run as its uid:gid.
    const output = join(folders.output, proposal.id)
    await mkdir(output, { recursive: true })
    await chown(output, proposal.uid, proposal.gid)
    await chmod(output, 0o770)
  }
  return files
}

function stamp(date: Date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * The proposals as the User Office serves them, by member. Sessions
 * mount the proposal's dataset folder read-only at /data/<proposal> and
 * its output folder at /output/<proposal>: `bind` is relative to the
 * container-side root of its mode, as in CalipsoPlus.
 */
export function userOfficeExperiments(folders: FacilityFolders, now = new Date()) {
  const day = 24 * 60 * 60 * 1000
  const byMember: Record<string, UoExperiment[]> = Object.fromEntries(
    SCIENTISTS.map((name) => [name, []])
  )
  for (const [p, proposal] of PROPOSALS.entries()) {
    const dataSetPath = JSON.stringify({
      [join(folders.datasets, proposal.id)]: { bind: `/${proposal.id}`, mode: 'ro' },
      [join(folders.output, proposal.id)]: { bind: `/${proposal.id}`, mode: 'rw' },
    })
    const experiment: UoExperiment = {
      proposal_id: proposal.id,
      subject: proposal.title,
      body: proposal.abstract,
      beam_line: proposal.beamLine,
      uid: String(proposal.uid),
      gid: String(proposal.gid),
      sessions: proposal.sessions.map((session, s) => {
        // Recent beamtimes, a few days apart.
        const start = now.getTime() - (3 * (proposal.sessions.length - s) + 7 * p) * day
        return {
          session_number: session.number,
          start_date: stamp(new Date(start)),
          end_date: stamp(new Date(start + 2 * day)),
          subject: session.subject,
          body: `Session ${session.number} of ${proposal.id} on ${proposal.beamLine}: ${session.curves.map((curve) => curve.file).join(', ')}.`,
          data_set_path: dataSetPath,
        }
      }),
    }
    for (const member of proposal.members) {
      byMember[member].push(experiment)
    }
  }
  return byMember
}
