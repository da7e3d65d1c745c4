/**
 * `edgeloop train` and `distill` on your own data, as a user runs them: a CSV file with
 * gaps and a text column, and image folders (PNG files written here), each checked by
 * what the CLI prints, its exit code and the package it writes.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../format/index.ts';
import type { TrainingRecord } from '../../trainer/node.ts';
import { runCommand, writeImageFolder } from '../../test-support/cli-fixtures.ts';
import { distillCommand } from './distill-command.ts';
import { trainCommand } from './train-command.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edgeloop-data-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * 60 customers: `age` (numeric, missing every 11th row), `plan` (text, missing in rows
 * where i % 13 = 5), `visits` (numeric) and `churned`, which follows the plan and age.
 */
function customersCsv(): string {
  const plans = ['basic', 'pro', 'team'];
  const rows = ['age,plan,visits,churned'];
  for (let i = 0; i < 60; i++) {
    const age = 20 + ((i * 7) % 50);
    const plan = plans[i % 3]!;
    const churned = plan === 'basic' || age < 30 ? 'yes' : 'no';
    rows.push(`${i % 11 === 0 ? '' : age},${i % 13 === 5 ? '' : plan},${(i * 3) % 17},${churned}`);
  }
  return `${rows.join('\n')}\n`;
}

const manifestOf = async (dir: string) => parseManifest(await readFile(join(dir, 'manifest.json')));
const FAST = ['--backend', 'cpu', '--epochs', '2', '--batch-size', '16'];

describe('train and distill on a CSV file', () => {
  it('cleans the table, prints the cleaning report, trains and writes a tabular package; distill reads the teacher’s file', async () => {
    const csv = join(work, 'customers.csv');
    await writeFile(csv, customersCsv());
    const out = join(work, 'churn');
    const run = await runCommand(trainCommand, ['--model', 'mlp', '--hidden', '16', '--data', csv, '--label', 'churned', '--out', out, ...FAST]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`cleaning report for ${csv}: kept 60 of 60 rows`);
    expect(run.stdout).toMatch(/Filled 6 missing value\(s\) in "age" with the column mean [\d.]+ \(rows 2, 13, 24, 35, 46, 57\)/);
    expect(run.stdout).toMatch(/Filled 5 missing value\(s\) in "plan" with its most frequent value "\w+" \(rows 7, 20, 33, 46, 59\)/);
    expect(run.stdout).toContain('One-hot encoded categorical column "plan" into 3 features ("basic", "pro", "team")');
    expect(run.stdout).toMatch(/48 train \/ 6 validation \/ 6 test rows, 2 classes/);

    const manifest = await manifestOf(join(out, 'package', 'customers-mlp', '1.0.0'));
    expect(manifest).toMatchObject({ task: 'tabular-classification', input: { shape: [-1, 5], dtype: 'float32' }, output: { labels: ['no', 'yes'] } });
    expect(manifest.input.preprocessing?.mean).toHaveLength(5);
    expect(manifest.baseline?.signals.map((s) => s.name)).toEqual(expect.arrayContaining(['age', 'plan=basic', 'plan=team', 'visits', 'predicted_class']));
    const record = JSON.parse(await readFile(join(out, 'training.json'), 'utf8')) as TrainingRecord;
    expect(record.dataset.source).toEqual({ kind: 'csv', file: csv, label: 'churned' });
    expect(record.dataset.encoding?.map((e) => e.column)).toEqual(['age', 'plan', 'visits']);

    const student = await runCommand(distillCommand, ['--teacher', out, '--out', join(work, 'churn-student'), '--hidden', '8', ...FAST]);
    expect(student.stderr).toBe('');
    expect(student.stdout).toContain(`cleaning report for ${csv}`);
    expect((await manifestOf(join(work, 'churn-student', 'package', 'customers-student', '1.0.0'))).input.shape).toEqual([-1, 5]);
  });

  it('refuses flags that do not go together, naming them (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--data', 'x.csv'], /--data needs --label <column>/],
      [['--label', 'y'], /--label applies to a CSV file: add --data <file.csv>/],
      [['--data', 'x.csv', '--label', 'y', '--images', 'photos'], /--data and --images each name the data; pass one of them/],
      [['--data', 'x.csv', '--label', 'y', '--task', 'regression'], /--task regression: the training loop trains classifiers only/],
      [['--data', 'x.csv', '--label', 'y', '--task', 'ranking'], /--task must be one of: classification \(got 'ranking'\)/],
      [['--images', 'photos', '--size', '64x'], /--size must be pixels like 32 or 64x48/],
    ];
    for (const [flags, message] of cases) {
      const run = await runCommand(trainCommand, ['--model', 'mlp', '--out', join(work, 'never'), ...flags]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(/^error \[CONFIG_INVALID\]: /);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe('train on an image folder', () => {
  it('names the unreadable file it skipped and the class with too few images (CLASS_TOO_SMALL, exit 1, no stack)', async () => {
    const photos = join(work, 'few');
    await writeImageFolder(photos, { red: 5, blue: 5, green: 2 });
    await writeFile(join(photos, 'red', 'broken.png'), 'this is not a PNG');
    const run = await runCommand(trainCommand, ['--model', 'mlp', '--images', photos, '--out', join(work, 'few-run'), ...FAST]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`${photos}: 12 image(s), 3 classes (blue, green, red)`);
    expect(run.stdout).toMatch(new RegExp(`skipped ${join(photos, 'red', 'broken.png')}: unreadable image \\(.+\\); remove it or re-save it as PNG or JPEG`));
    expect(run.stderr).toMatch(/^error \[CLASS_TOO_SMALL\]: too few examples to split into train, validation and test \(3 per class at least\): class "green" has 2; add examples to the "green" folder of /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('resizes every image to --size, converts to grayscale with --channels 1, and packages the model', async () => {
    const photos = join(work, 'shapes');
    await writeImageFolder(photos, { red: 4, blue: 4, green: 4 });
    const out = join(work, 'shapes-run');
    const run = await runCommand(trainCommand, ['--model', 'cnn', '--images', photos, '--size', '16', '--channels', '1', '--out', out, ...FAST]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/12 image\(s\), 3 classes \(blue, green, red\), drawn at 16×16×1; 12 resized to fit/);
    const manifest = await manifestOf(join(out, 'package', 'shapes-cnn', '1.0.0'));
    expect(manifest).toMatchObject({
      task: 'image-classification',
      input: { shape: [-1, 16, 16, 1], layout: 'NHWC', preprocessing: { resize: { width: 16, height: 16 }, colorSpace: 'grayscale', scale: 1 / 255 } },
      output: { labels: ['blue', 'green', 'red'] },
    });
  });
});
