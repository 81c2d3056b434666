// The pipeline page: gateway health (GET /health), and from GET /pipeline the topics, the
// consumer lag of each processor, dead-letter counts and the latest ImagePrediction events of the
// uploads bucket. Refreshes every few seconds while the tab is visible.
import { api, isAbort } from './api.js';
import { badge, emptyState, errorState, loading, notAvailable } from './components.js';
import { h, replace } from './dom.js';
import { ago, count, percent, score, stamp } from './format.js';

const REFRESH_MS = 5000;

export const pipelineView = {
  mount(ctx) {
    const page = new PipelinePage(ctx);
    void page.refresh(true);
    return page;
  },
};

class PipelinePage {
  constructor(ctx) {
    this.ctx = ctx;
    this.controller = new AbortController();
    this.timer = null;
    this.auto = true;
    document.title = 'Pipeline · Vitrina';
    this.updated = h('span', { class: 'muted small', 'aria-live': 'off' });
    const autoBox = h('input', {
      type: 'checkbox',
      id: 'auto-refresh',
      checked: true,
      onchange: (e) => {
        this.auto = e.target.checked;
        this.schedule();
      },
    });
    this.health = h('section', { class: 'panel', 'aria-labelledby': 'health-title' }, h('h2', { id: 'health-title' }, 'Health'), loading());
    this.body = h('div', { class: 'pipeline-body' }, loading('Loading the pipeline…'));
    ctx.main.append(
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, 'Pipeline'),
        h('p', { class: 'muted' }, 'Events flowing through Kafka: topics, how far each processor lags, what ended in the dead-letter topic, and the latest predictions for uploaded images.'),
        h(
          'div',
          { class: 'toolbar' },
          h('span', { class: 'field' }, autoBox, h('label', { for: 'auto-refresh' }, `Refresh every ${REFRESH_MS / 1000} s`)),
          h('button', { type: 'button', class: 'button small', onclick: () => this.refresh(false) }, 'Refresh now'),
          this.updated,
        ),
      ),
      this.health,
      this.body,
    );
    this.onVisibility = () => this.schedule();
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  unmount() {
    this.controller.abort();
    clearTimeout(this.timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  schedule() {
    clearTimeout(this.timer);
    if (!this.auto || document.hidden || this.controller.signal.aborted || this.unavailable) return;
    this.timer = setTimeout(() => void this.refresh(false), REFRESH_MS);
  }

  async refresh(first) {
    clearTimeout(this.timer);
    const { signal } = this.controller;
    await Promise.all([this.loadHealth(signal), this.loadPipeline(signal, first)]);
    if (signal.aborted) return;
    this.updated.textContent = `Updated ${new Date().toLocaleTimeString('en', { hour12: false })}`;
    if (first) this.ctx.ready();
    this.schedule();
  }

  async loadHealth(signal) {
    let report;
    try {
      report = await api('/health', { signal });
    } catch (err) {
      if (isAbort(err)) return;
      report = err.body && err.body.status ? err.body : null;
      if (!report) {
        replace(this.health, h('h2', { id: 'health-title' }, 'Health'), errorState(err));
        return;
      }
    }
    const dep = (name, d) =>
      h(
        'div',
        { class: 'health-item' },
        h('dt', {}, name),
        h('dd', {}, badge(d?.status ?? 'unknown', d?.status === 'up' ? 'success' : 'danger'), ' ', d?.modelVersion ? h('span', { class: 'mono small' }, d.modelVersion) : null, d?.liveModelVersion ? h('span', { class: 'small' }, 'live index ', h('span', { class: 'mono' }, d.liveModelVersion)) : null, d?.error ? h('span', { class: 'small text-danger' }, ` ${d.error}`) : null),
      );
    replace(
      this.health,
      h('h2', { id: 'health-title' }, 'Health'),
      h('dl', { class: 'health' }, dep('Gateway', { status: report.status === 'ok' ? 'up' : 'degraded' }), dep('Model server', report.modelServer), dep('Database', report.database)),
    );
  }

  async loadPipeline(signal, first) {
    let data;
    try {
      data = await api('/pipeline', { signal });
    } catch (err) {
      if (isAbort(err)) return;
      if (err.notAvailable) {
        this.unavailable = true;
        replace(this.body, h('section', { class: 'panel' }, notAvailable('The pipeline view is not available yet', 'GET /api/v1/pipeline', 'Topics, consumer lag, dead letters and image predictions appear here once the gateway reports them.')));
      } else if (first || !this.body.querySelector('table')) {
        replace(this.body, h('section', { class: 'panel' }, errorState(err, () => this.refresh(false))));
      } else {
        this.updated.textContent = `Refresh failed: ${err.message}`;
      }
      return;
    }
    this.unavailable = false;
    replace(this.body, topicsPanel(data.topics), consumersPanel(data.consumers), deadLettersPanel(data.deadLetters), predictionsPanel(data.predictions));
  }
}

function table(label, head, rows) {
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label },
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label ?? c)))), h('tbody', {}, rows)),
  );
}

function panel(id, title, ...content) {
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}

function topicsPanel(topics) {
  const list = Array.isArray(topics) ? topics : [];
  if (list.length === 0) return panel('topics-title', 'Topics', emptyState('No topic reported.'));
  return panel(
    'topics-title',
    'Topics',
    table(
      'Topics',
      ['Topic', 'Kind', { label: 'Partitions', num: true }, { label: 'Messages', num: true }],
      list.map((t) => h('tr', {}, h('th', { scope: 'row', class: 'mono' }, t.name), h('td', {}, t.kind ?? '—'), h('td', { class: 'num' }, count(t.partitions)), h('td', { class: 'num' }, count(t.messages)))),
    ),
  );
}

function consumersPanel(consumers) {
  const list = Array.isArray(consumers) ? consumers : [];
  if (list.length === 0) return panel('lag-title', 'Consumer lag', emptyState('No consumer group reported.'));
  const max = Math.max(1, ...list.map((c) => (typeof c.lag === 'number' ? c.lag : 0)));
  return panel(
    'lag-title',
    'Consumer lag',
    table(
      'Consumer lag per processor',
      ['Processor', 'Group', 'Topics', 'State', { label: 'Lag', num: true }],
      list.map((c) => {
        const lag = typeof c.lag === 'number' ? c.lag : null;
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, c.processor ?? '—'),
          h('td', { class: 'mono small' }, c.groupId ?? '—'),
          h('td', { class: 'mono small' }, (c.topics ?? []).join(', ') || '—'),
          h('td', {}, badge(c.state ?? 'unknown', /stable/i.test(c.state ?? '') ? 'success' : /empty|dead/i.test(c.state ?? '') ? 'danger' : 'neutral')),
          h('td', { class: 'num lag-cell' }, h('span', { class: 'lag-bar', 'aria-hidden': 'true' }, h('span', { class: lag && lag > 0 ? 'lag-positive' : '', style: { width: `${lag === null ? 0 : Math.max(lag > 0 ? 4 : 0, (lag / max) * 100)}%` } })), count(lag)),
        );
      }),
    ),
  );
}

function deadLettersPanel(deadLetters) {
  const list = Array.isArray(deadLetters) ? deadLetters : [];
  const total = list.reduce((n, d) => n + (typeof d.count === 'number' ? d.count : 0), 0);
  if (list.length === 0 || total === 0) return panel('dlq-title', 'Dead letters', emptyState('No dead letters: every event was handled.'));
  return panel(
    'dlq-title',
    `Dead letters (${count(total)})`,
    table(
      'Dead letters per processor',
      ['Processor', 'Source topic', { label: 'Count', num: true }, 'Last error', 'When'],
      list.map((d) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, d.processor ?? '—'),
          h('td', { class: 'mono small' }, d.sourceTopic ?? '—'),
          h('td', { class: 'num' }, count(d.count)),
          h('td', { class: 'small' }, d.lastErrorClass ? h('span', { class: 'mono' }, `${d.lastErrorClass}: `) : null, d.lastErrorMessage ?? '—'),
          h('td', {}, h('time', { datetime: stamp(d.lastFailedAt), title: stamp(d.lastFailedAt) }, ago(d.lastFailedAt))),
        ),
      ),
    ),
  );
}

function predictionsPanel(predictions) {
  const list = Array.isArray(predictions) ? predictions : [];
  if (list.length === 0) return panel('pred-title', 'Latest image predictions', emptyState('No ImagePrediction event yet.', 'Put an image in the uploads bucket to see its prediction here.'));
  return panel(
    'pred-title',
    'Latest image predictions',
    h(
      'ol',
      { class: 'predictions' },
      list.map((p) =>
        h(
          'li',
          { class: 'prediction' },
          h(
            'div',
            { class: 'prediction-head' },
            h('span', { class: 'mono prediction-key', title: `${p.bucket ?? ''}/${p.objectKey}` }, p.objectKey),
            h('time', { class: 'muted small', datetime: stamp(p.predictedAt), title: stamp(p.predictedAt) }, ago(p.predictedAt)),
          ),
          h(
            'p',
            {},
            p.predictedArticleType ? h('strong', {}, p.predictedArticleType) : h('span', { class: 'muted' }, 'no article type'),
            ` · confidence ${percent(p.confidence)}`,
            p.modelVersion ? h('span', { class: 'muted small' }, ` · model ${p.modelVersion}`) : null,
          ),
          Array.isArray(p.neighbours) && p.neighbours.length > 0
            ? h(
                'ul',
                { class: 'neighbours', 'aria-label': 'Nearest products' },
                p.neighbours.slice(0, 5).map((n) => h('li', {}, h('a', { href: `products/${encodeURIComponent(n.productId)}` }, `#${n.productId}`), n.articleType ? ` ${n.articleType}` : '', h('span', { class: 'muted small' }, ` ${score(n.score)}`))),
              )
            : null,
        ),
      ),
    ),
  );
}
