import { defineFields, objectSchema } from '#transformers/field_list'

const hours = (description: string) =>
  ({ type: 'number', description, schema: { minimum: 0 } }) as const

/** The measured hours of a usage row, in the JSON report and the CSV export. */
export const usageHourFields = defineFields({
  environmentHours: hours('Hours holding a slot (any live state); rounded to 4 decimals.'),
  cpuCoreHours: hours('Cores × hours holding compute; rounded to 4 decimals.'),
  memoryGiBHours: hours('GiB × hours holding compute; rounded to 4 decimals.'),
  gpuHours: hours('GPUs × hours holding compute; rounded to 4 decimals.'),
})

const count = (description: string) =>
  ({ type: 'integer', description, schema: { minimum: 0 } }) as const

/** How the runs counted in a usage row ended, in the JSON report and the CSV export. */
export const usageEndingFields = defineFields({
  manualStops: count('Runs stopped by a person or an admin within the window.'),
  idleStops: count("Runs the idle job stopped after the image's idle limit within the window."),
  expiries: count('Environments removed at expiry within the window.'),
})

/** One row of a usage report (UsageRow). */
export const usageRowFields = defineFields({
  key: {
    type: 'object',
    schema: objectSchema({
      id: {
        type: 'integer',
        nullable: true,
        description: 'User, experiment or image id; null for "(no experiment)".',
      },
      label: { type: 'string', description: 'Username, proposal id or image name.' },
    }),
  },
  ...usageHourFields,
  ...usageEndingFields,
})
