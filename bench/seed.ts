/*
 * Seeds the bench database with a realistic facility (bench/seed_facility.ts)
 * and prints how long it took. Run: npm run bench -- seed
 * (BENCH_SCALE=0.1 for a tenth of the size).
 */
import { connectBenchDatabase, describeFacility, seedFacility } from './seed_facility.ts'

const db = await connectBenchDatabase()
try {
  const facility = await seedFacility(db, { appKey: process.env.APP_KEY! })
  for (const line of describeFacility(facility)) {
    console.log(line)
  }
} finally {
  await db.end()
}
