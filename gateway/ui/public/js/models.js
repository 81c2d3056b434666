// The models page: the champion, every version with its metrics, a chart of a metric across
// versions, the training runs with their progress and, for a decided run, the evidence (each check
// of the promotion rule with its interval, the outcome, the cost of the switch), and
// promote/rollback for an admin.
//
// Endpoints (see gateway/ui/README.md for their JSON): GET /models, GET /training-runs,
// POST /models/{version}/promote, POST /models/rollback. A 404 shows "not available yet".
import { api, isAbort } from './api.js';
import { lineChart, sparkline } from './chart.js';
import { badge, emptyState, errorState, loading, notAvailable } from './components.js';
import { announce, h, replace } from './dom.js';
import { ago, count, duration, metric, stamp, toDate } from './format.js';

const TOKEN_KEY = 'vitrina.adminToken';
const ACTIVE_RUN = new Set(['requested', 'preparing', 'training', 'evaluating', 'running', 'pending']);
const POLL_MS = 5000;

const STATUS_TONE = {
  champion: 'accent',
  challenger: 'info',
  candidate: 'info',
  rejected: 'danger',
  failed: 'danger',
  retired: 'neutral',
  succeeded: 'success',
  completed: 'success',
  promoted: 'success',
  requested: 'info',
  preparing: 'info',
  training: 'info',
  evaluating: 'info',
  running: 'info',
  pending: 'info',
};

const tone = (status) => STATUS_TONE[String(status ?? '').toLowerCase()] ?? 'neutral';

export function adminToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Up to three metrics to show in tables: the headline accuracies when present. */
export function headlineMetrics(keys) {
  const patterns = [/text2image.*exact.*catalog.*@10$/i, /text2image.*@10$/i, /image2image.*@10$/i, /group.*article.*@10$/i, /@10$/i];
  const out = [];
  for (const pattern of patterns) {
    const key = keys.find((k) => pattern.test(k) && !out.includes(k));
    if (key) out.push(key);
  }
  for (const key of keys) if (!out.includes(key)) out.push(key);
  return out.slice(0, 3);
}

const signed = (v) => (typeof v === 'number' ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}` : '—');
const fixed = (v) => (typeof v === 'number' ? v.toFixed(4) : '—');

/** One check of a decision: the difference with its bounds and what the lower bound was held against. */
export function checkSummary(check) {
  if (typeof check?.low !== 'number' || typeof check?.high !== 'number') return `${check?.metric ?? '?'}: ${check?.note || 'no interval'}`;
  const need = check.kind === 'better' ? `lower bound > ${fixed(check.threshold)}` : `lower bound ≥ ${fixed(check.threshold)}`;
  return `${check.metric}: ${signed(check.difference)} [${signed(check.low)}, ${signed(check.high)}], ${need}, detectable ≥ ${fixed(check.minDetectable)}`;
}

/** What going live costs, as recorded with the decision. */
export function costSummary(cost) {
  if (!cost) return 'Cost of the switch: not recorded.';
  const time = typeof cost.minutes === 'number' ? `about ${cost.minutes.toFixed(1)} min at ${cost.perSecond} products/s` : 'time unknown (no measured embedder rate)';
  return `Going live re-embeds ${count(cost.products)} products: ${time}.`;
}

const OUTCOME_TONE = { promote: 'success', reject: 'danger', inconclusive: 'neutral' };

/** The evidence behind a run's decision (GET /training-runs/{runId}): outcome, each check with its interval, the cost. */
function evidenceDetails(runId) {
  const body = h('div', { class: 'evidence' }, loading('Loading the evidence…'));
  const details = h('details', {}, h('summary', {}, 'Evidence'), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    let run;
    try {
      run = await api(`/training-runs/${encodeURIComponent(runId)}`);
    } catch (err) {
      loaded = false;
      replace(body, errorState(err));
      return;
    }
    const d = run?.decisionDetail ?? {};
    const e = d.evidence ?? {};
    const checks = Array.isArray(d.checks) ? d.checks : [];
    const confidence = typeof e.confidence === 'number' ? `${Math.round(e.confidence * 100)}% one-sided bounds` : 'point values (decided before evidence)';
    replace(
      body,
      h('p', { class: 'small' }, badge(d.outcome ?? 'unknown', OUTCOME_TONE[d.outcome] ?? 'neutral'), ` ${confidence}`, typeof e.minEffect === 'number' ? ` · minimum effect ${e.minEffect}` : '', typeof e.power === 'number' ? ` · power ${e.power}` : '', e.queries ? ` · ${count(e.queries)} queries` : ''),
      h(
        'table',
        { class: 'table small' },
        h('thead', {}, h('tr', {}, ['Check', 'Champion → challenger', 'Difference [bounds]', 'Needs', 'Detectable', 'Passed'].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          checks.map((c) =>
            h(
              'tr',
              { title: checkSummary(c) },
              h('td', { class: 'mono' }, `${c.metric} (${c.kind})`),
              h('td', { class: 'num' }, `${fixed(c.champion)} → ${fixed(c.challenger)}`),
              h('td', { class: 'num' }, typeof c.low === 'number' ? `${signed(c.difference)} [${signed(c.low)}, ${signed(c.high)}]` : c.note || '—'),
              h('td', { class: 'num' }, typeof c.threshold === 'number' ? `${c.kind === 'better' ? '>' : '≥'} ${fixed(c.threshold)}` : '—'),
              h('td', { class: 'num' }, fixed(c.minDetectable)),
              h('td', {}, badge(c.passed ? 'yes' : 'no', c.passed ? 'success' : 'danger')),
            ),
          ),
        ),
      ),
      h('p', { class: 'small' }, costSummary(e.cost)),
    );
  });
  return details;
}

export const modelsView = {
  mount(ctx) {
    const page = new ModelsPage(ctx);
    void page.load();
    return page;
  },
};

class ModelsPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.controller = new AbortController();
    this.timer = null;
    this.metricChoice = null;
    document.title = 'Models · Vitrina';
    this.flash = h('div', { class: 'flash', role: 'status' });
    this.registry = h('div', { class: 'registry' }, loading('Loading the model registry…'));
    this.runs = h('div', { class: 'runs' }, loading('Loading training runs…'));
    this.admin = h('section', { class: 'panel admin', 'aria-labelledby': 'admin-title' });
    ctx.main.append(
      h('div', { class: 'page-head' }, h('h1', {}, 'Models'), h('p', { class: 'muted' }, 'The model registry: the champion that answers searches, the challengers trained from it and how they compare.')),
      this.flash,
      this.registry,
      h('section', { class: 'panel', 'aria-labelledby': 'runs-title' }, h('h2', { id: 'runs-title' }, 'Training runs'), this.runs),
      this.admin,
    );
    this.renderAdmin();
  }

  unmount() {
    this.controller.abort();
    clearTimeout(this.timer);
  }

  async load() {
    await Promise.all([this.loadRegistry(), this.loadRuns()]);
    this.ctx.ready();
  }

  // ---- registry ----

  async loadRegistry() {
    const { signal } = this.controller;
    try {
      this.data = await api('/models', { signal });
    } catch (err) {
      if (isAbort(err)) return;
      this.data = null;
      replace(
        this.registry,
        err.notAvailable
          ? notAvailable('The model registry is not available yet', 'GET /api/v1/models', 'Versions, metrics and the champion appear here once the registry projection is served.')
          : errorState(err, () => this.loadRegistry()),
      );
      return;
    }
    this.renderRegistry();
  }

  renderRegistry() {
    const data = this.data ?? {};
    const versions = (Array.isArray(data.versions) ? data.versions : []).slice().sort((a, b) => (toDate(a.createdAt)?.getTime() ?? 0) - (toDate(b.createdAt)?.getTime() ?? 0));
    const champion = versions.find((v) => v.version === data.champion) ?? null;
    if (versions.length === 0) {
      replace(this.registry, h('section', { class: 'panel' }, h('h2', {}, 'Versions'), emptyState('No model version is registered yet.', 'Ingest and embed the catalog to register the base model.')));
      return;
    }
    const keys = [...new Set(versions.flatMap((v) => Object.keys(v.metrics ?? {})))].sort();
    const headline = headlineMetrics(keys);
    replace(this.registry, this.championCard(data, champion, headline), this.chartPanel(versions, keys, data.champion), this.versionsPanel(versions, headline, data.champion), this.metricsPanel(versions, keys));
  }

  championCard(data, champion, headline) {
    const promotions = Array.isArray(data.promotions) ? data.promotions : [];
    const last = promotions.find((p) => p.version === data.champion) ?? null;
    const token = adminToken();
    return h(
      'section',
      { class: 'panel champion', 'aria-labelledby': 'champion-title' },
      h('h2', { id: 'champion-title' }, 'Champion'),
      champion
        ? h(
            'div',
            { class: 'champion-body' },
            h('div', {}, h('p', { class: 'champion-version' }, champion.version, ' ', badge('champion', 'accent')), h('p', { class: 'muted' }, lineage(champion))),
            last
              ? h('p', { class: 'champion-reason' }, 'Promoted ', h('time', { datetime: stamp(last.promotedAt), title: stamp(last.promotedAt) }, ago(last.promotedAt)), last.promotedBy ? ` by ${last.promotedBy}` : '', last.reason ? `: ${last.reason}` : '')
              : null,
            headline.length
              ? h(
                  'dl',
                  { class: 'kpis' },
                  headline.map((key) => h('div', {}, h('dt', {}, key), h('dd', {}, metric(key, champion.metrics?.[key])))),
                )
              : null,
            token && last?.previousVersion
              ? h('button', { type: 'button', class: 'button danger', onclick: () => this.rollback(last.previousVersion) }, `Roll back to ${last.previousVersion}`)
              : null,
          )
        : emptyState('No champion yet.', data.champion ? `The registry names ${data.champion}, which it does not list.` : 'The first evaluated version becomes the champion.'),
    );
  }

  chartPanel(versions, keys, championVersion) {
    if (keys.length === 0) return h('section', { class: 'panel' }, h('h2', {}, 'Metrics across versions'), emptyState('No version has been evaluated yet.'));
    if (!this.metricChoice || !keys.includes(this.metricChoice)) this.metricChoice = headlineMetrics(keys)[0] ?? keys[0];
    const holder = h('div', { class: 'chart-holder' });
    const draw = () => {
      const name = this.metricChoice;
      replace(
        holder,
        lineChart({
          title: `${name} across model versions`,
          // Drawn at about the width it is shown at, so its text stays readable on a phone.
          width: Math.round(Math.min(640, Math.max(320, window.innerWidth - 72))),
          format: (v) => metric(name, v),
          points: versions.map((v) => ({ label: v.version, value: typeof v.metrics?.[name] === 'number' ? v.metrics[name] : null, highlight: v.version === championVersion })),
        }),
      );
    };
    draw();
    const select = h(
      'select',
      {
        id: 'metric-select',
        onchange: (e) => {
          this.metricChoice = e.target.value;
          draw();
        },
      },
      keys.map((k) => h('option', { value: k, selected: k === this.metricChoice }, k)),
    );
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'chart-title' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'chart-title' }, 'Metrics across versions'), h('span', { class: 'field' }, h('label', { for: 'metric-select' }, 'Metric'), select)),
      holder,
      h('p', { class: 'muted small' }, 'Versions in the order they were created; the larger dot is the champion.'),
    );
  }

  versionsPanel(versions, headline, championVersion) {
    const token = adminToken();
    const rows = versions
      .slice()
      .reverse()
      .map((v) =>
        h(
          'tr',
          { dataset: { version: v.version } },
          h('th', { scope: 'row', class: 'nowrap' }, h('span', { class: 'mono' }, v.version)),
          h('td', {}, badge(v.version === championVersion ? 'champion' : (v.status ?? 'registered'), tone(v.version === championVersion ? 'champion' : v.status))),
          h('td', { class: 'small lineage' }, lineage(v)),
          h('td', {}, h('time', { datetime: stamp(v.createdAt), title: stamp(v.createdAt) }, ago(v.createdAt))),
          headline.map((key) => h('td', { class: 'num' }, metric(key, v.metrics?.[key]))),
          token ? h('td', {}, v.version === championVersion ? null : h('button', { type: 'button', class: 'button small', onclick: () => this.promote(v.version) }, 'Promote')) : null,
        ),
      );
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'versions-title' },
      h('h2', { id: 'versions-title' }, 'Versions'),
      h(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'versions-title' },
        h(
          'table',
          { class: 'table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Lineage'), h('th', { scope: 'col' }, 'Created'), headline.map((k) => h('th', { scope: 'col', class: 'num' }, k)), token ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')) : null)),
          h('tbody', {}, rows),
        ),
      ),
    );
  }

  metricsPanel(versions, keys) {
    if (keys.length === 0) return null;
    const ordered = versions.slice().reverse();
    return h(
      'details',
      { class: 'panel' },
      h('summary', {}, h('h2', { class: 'inline' }, `All metrics (${keys.length})`)),
      h(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'All metrics by version' },
        h(
          'table',
          { class: 'table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Metric'), ordered.map((v) => h('th', { scope: 'col', class: 'num mono' }, v.version)))),
          h('tbody', {}, keys.map((key) => h('tr', {}, h('th', { scope: 'row', class: 'mono small' }, key), ordered.map((v) => h('td', { class: 'num' }, metric(key, v.metrics?.[key])))))),
        ),
      ),
    );
  }

  // ---- training runs ----

  async loadRuns() {
    const { signal } = this.controller;
    clearTimeout(this.timer);
    let data;
    try {
      data = await api('/training-runs', { signal });
    } catch (err) {
      if (isAbort(err)) return;
      replace(
        this.runs,
        err.notAvailable ? notAvailable('Training runs are not available yet', 'GET /api/v1/training-runs', h('span', {}, 'Runs requested with ', h('code', {}, 'npx vitrina train'), ' appear here with their progress.')) : errorState(err, () => this.loadRuns()),
      );
      return;
    }
    const runs = Array.isArray(data?.runs) ? data.runs : [];
    this.renderRuns(runs);
    if (runs.some((r) => ACTIVE_RUN.has(String(r.status).toLowerCase()))) {
      this.timer = setTimeout(() => {
        if (!signal.aborted) void this.loadRuns();
      }, POLL_MS);
    }
  }

  renderRuns(runs) {
    if (runs.length === 0) {
      replace(this.runs, emptyState('No training run yet.', h('span', {}, 'Start one with ', h('code', {}, 'npx vitrina train'), '.')));
      return;
    }
    const rows = runs.map((run) => {
      const progress = run.progress ?? null;
      const share = progress && progress.epochs > 0 ? Math.min(1, progress.epoch / progress.epochs) : null;
      const curve = Array.isArray(run.curve) ? run.curve.map((p) => p.loss) : [];
      const decision = run.decision ? `${run.decision.promoted ? 'Promoted' : 'Not promoted'}: ${run.decision.reason ?? ''}` : null;
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, h('span', { class: 'mono run-id' }, String(run.runId ?? '—')), run.requestedBy ? h('div', { class: 'muted small' }, `by ${run.requestedBy}`) : null),
        h('td', {}, badge(String(run.status ?? 'unknown').toLowerCase(), tone(run.status))),
        h(
          'td',
          { class: 'progress-cell' },
          share !== null
            ? [
                h('progress', { max: '1', value: String(share), 'aria-label': `epoch ${progress.epoch} of ${progress.epochs}` }),
                h('div', { class: 'small muted' }, `epoch ${progress.epoch}/${progress.epochs}`, typeof progress.loss === 'number' ? ` · loss ${progress.loss.toFixed(4)}` : '', typeof progress.rate === 'number' ? ` · ${Math.round(progress.rate)}/s` : ''),
              ]
            : curve.length > 1
              ? [sparkline(curve, { label: 'training loss' }), h('div', { class: 'small muted' }, `loss ${curve[0].toFixed(3)} → ${curve[curve.length - 1].toFixed(3)}`)]
              : h('span', { class: 'muted' }, '—'),
        ),
        h('td', { class: 'small' }, h('span', { class: 'mono' }, run.baseModelVersion ?? 'champion'), ' → ', h('span', { class: 'mono' }, run.modelVersion ?? '…')),
        h('td', {}, h('time', { datetime: stamp(run.requestedAt), title: stamp(run.requestedAt) }, ago(run.requestedAt))),
        h('td', { class: 'num' }, duration(run.durationMs)),
        h('td', { class: 'small' }, run.error ? h('span', { class: 'text-danger' }, run.error) : (decision ?? '—'), run.decision && run.runId ? evidenceDetails(run.runId) : null),
      );
    });
    replace(
      this.runs,
      h(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Training runs' },
        h(
          'table',
          { class: 'table' },
          h('thead', {}, h('tr', {}, ['Run', 'Status', 'Progress', 'Base → version', 'Requested', 'Duration', 'Result'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, rows),
        ),
      ),
    );
  }

  // ---- admin ----

  renderAdmin() {
    const token = adminToken();
    const title = h('h2', { id: 'admin-title' }, 'Admin');
    if (token) {
      replace(
        this.admin,
        title,
        h('p', {}, 'Promote and roll back are enabled with your admin token (kept for this browser tab only).'),
        h('button', { type: 'button', class: 'button', onclick: () => this.setToken(null) }, 'Forget the token'),
      );
      return;
    }
    const field = h('input', { id: 'admin-token', type: 'password', autocomplete: 'off', required: true, placeholder: 'admin token' });
    replace(
      this.admin,
      title,
      h('p', { class: 'muted' }, 'Promoting a version or rolling back needs the gateway’s admin token.'),
      h(
        'form',
        {
          class: 'inline-form',
          onsubmit: (e) => {
            e.preventDefault();
            if (field.value.trim()) this.setToken(field.value.trim());
          },
        },
        h('label', { for: 'admin-token' }, 'Admin token'),
        field,
        h('button', { type: 'submit', class: 'button' }, 'Use token'),
      ),
    );
  }

  setToken(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      /* storage disabled: the token only lives until the page is left */
    }
    this.renderAdmin();
    if (this.data) this.renderRegistry();
    this.admin.querySelector('button, input')?.focus();
    announce(token ? 'Admin actions enabled' : 'Admin token forgotten');
  }

  async promote(version) {
    if (!window.confirm(`Make ${version} the champion? Search switches to it once its index is complete.`)) return;
    await this.action(`/models/${encodeURIComponent(version)}/promote`, { reason: 'from the web UI' }, `${version} is being promoted`);
  }

  async rollback(previous) {
    if (!window.confirm(`Roll back to ${previous}?`)) return;
    await this.action('/models/rollback', { reason: 'from the web UI' }, `Rolling back to ${previous}`);
  }

  async action(path, body, done) {
    const token = adminToken();
    try {
      const answer = await api(path, { method: 'POST', body, token, signal: this.controller.signal });
      this.showFlash(done, 'success');
      await this.loadRegistry();
      await this.awaitChampion(answer?.champion);
    } catch (err) {
      if (isAbort(err)) return;
      const message =
        err.status === 401 || err.status === 403
          ? `The admin token was refused: ${err.message}`
          : err.notAvailable && /no route/i.test(err.message)
            ? `This gateway has no ${path.includes('rollback') ? 'rollback' : 'promote'} endpoint yet (POST /api/v1${path}).`
            : err.message;
      this.showFlash(message, 'error');
    }
  }

  /**
   * The gateway answers a promotion or rollback once its ModelPromoted is published; the registry
   * shows it when its projector has applied the event, a moment later. Reload until it does (30 s at most).
   */
  async awaitChampion(version) {
    const { signal } = this.controller;
    for (let i = 0; i < 30 && version && this.data && this.data.champion !== version && !signal.aborted; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (!signal.aborted) await this.loadRegistry();
    }
  }

  showFlash(message, kind) {
    replace(this.flash, h('p', { class: `flash-${kind}` }, message));
    this.flash.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    announce(message);
  }
}

function lineage(v) {
  const parts = [];
  if (v.baseModelVersion) parts.push(`from ${v.baseModelVersion}`);
  if (v.runId) parts.push(/^run/i.test(String(v.runId)) ? String(v.runId) : `run ${v.runId}`);
  if (v.splitManifestKey) parts.push('own test split');
  return parts.length > 0 ? parts.join(' · ') : 'base model';
}
