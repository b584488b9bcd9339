import { configApp } from '@adonisjs/eslint-config'

export default configApp(
  { ignores: ['build/**', 'storage/**', 'tmp/**', 'coverage/**'] },
  {
    // Tests read best as "(await client.get(url)).assertStatus(200)".
    files: ['tests/**/*.ts'],
    rules: { '@unicorn/no-await-expression-member': 'off' },
  }
)
