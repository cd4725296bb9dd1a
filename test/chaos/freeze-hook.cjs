/**
 * Preloaded into chaos workers (NODE_OPTIONS=--require): freezes the process just before it sends one chosen
 * statement, so a zombie attempt is made at the point that does damage rather than at a random moment.
 * The supervisor arms a freeze by writing a point name (below) to CHAOS_FREEZE_FILE; the first
 * worker that is about to send a matching statement claims the file (an atomic rename, so only one does), says
 * so on stderr and stops itself with SIGSTOP. The supervisor sends SIGCONT after holding it past its page lease
 * and heartbeat timeout; the statement is sent then, by an attempt that must find its fence lost.
 */
'use strict';
const fs = require('node:fs');
const { Client } = require('pg');

const file = process.env.CHAOS_FREEZE_FILE;
/**
 * The statements each point names, by their first words (src/catalog/pages.ts, journal.ts, page-leases.ts,
 * drivers/db*.ts). The first three are sent inside a fenced transaction, after its fence check; `fence` is
 * that check itself, so the attempt wakes to find its page taken.
 */
const POINTS = {
  switch: /^\s*UPDATE archive_metadata m SET content_url/,
  journal: /^\s*INSERT INTO objectstorage_journal/,
  delete: /^\s*DELETE FROM (archive_document|object_storage)\b/,
  fence: /^\s*SELECT 1 FROM objectstorage_page_leases WHERE/,
};

function armedPoint() {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function freezeBefore(text) {
  if (typeof text !== 'string') return;
  const point = Object.keys(POINTS).find((p) => POINTS[p].test(text));
  if (!point || armedPoint() !== point) return;
  try {
    fs.renameSync(file, `${file}.taken-${process.pid}`);
  } catch {
    return; // another worker claimed it first
  }
  fs.writeSync(2, `chaos-freeze: pid ${process.pid} frozen before ${point}\n`);
  process.kill(process.pid, 'SIGSTOP');
}

if (file) {
  const query = Client.prototype.query;
  Client.prototype.query = function (config, ...rest) {
    freezeBefore(typeof config === 'string' ? config : config && config.text);
    return query.call(this, config, ...rest);
  };
}
