// The heat map: a table of department × department synapse strength (the
// messages, replies and reactions that crossed between the two in the
// period), drawn as a grid of coloured cells. The table is what a screen
// reader reads: row and column headers, and the number (or why there is
// none) in each cell. A row's header is a button that opens the figures
// behind that department's row below the map.

import { html } from "../html.js";
import { t } from "../i18n/index.js";
import { sum, level, legendSteps, formatNumber, formatPercent, formatDuration, formatChange } from "./figures.js";

/** @typedef {{ id: string, slug: string, name: string }} Dept */

/** The key of a pair, the same either way round. @param {string} a @param {string} b */
const pairKey = (a, b) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** A synapse's strength: every crossing act, hidden if any part is.
 * @param {any} s */
export const strength = (s) => sum([s.messages, s.replies, s.reactions]);

/**
 * @param {{ synapses: any[], rows: Dept[], columns: Dept[], period: string,
 *   selected: string | null, onSelect: (slug: string) => void }} props
 */
export function HeatMap({ synapses, rows, columns, period, selected, onSelect }) {
  /** @type {Map<string, any>} */
  const pairs = new Map(synapses.map((s) => [pairKey(s.departments[0].slug, s.departments[1].slug), s]));
  const max = Math.max(0, ...synapses.map((s) => strength(s).value ?? 0));

  /** @param {Dept} row @param {Dept} column */
  const cell = (row, column) => {
    if (row.slug === column.slug) {
      return html`<td class="heat heat-self"><span aria-hidden="true">·</span><span class="visually-hidden">${t("analytics.cellSelf")}</span></td>`;
    }
    const synapse = pairs.get(pairKey(row.slug, column.slug));
    if (!synapse) {
      return html`<td class="heat heat-none"><span aria-hidden="true">–</span><span class="visually-hidden">${t("analytics.cellNone")}</span></td>`;
    }
    const figure = strength(synapse);
    if (figure.suppressed || figure.value === null) {
      return html`<td class="heat heat-hidden" title=${figure.reason ?? t("analytics.suppressed")}>
        <span aria-hidden="true">∗</span><span class="visually-hidden">${t("analytics.suppressed")}</span></td>`;
    }
    const detail = t("analytics.cellDetail", {
      messages: synapse.messages.value, replies: synapse.replies.value, reactions: synapse.reactions.value,
    });
    return html`<td class=${`heat heat-${level(figure.value, max)}`} title=${detail}>
      ${formatNumber(figure.value)}<span class="visually-hidden"> ${t("analytics.cellUnit")}</span></td>`;
  };

  const caption = t("analytics.heatCaption", { period: t(`analytics.period.${period}`) });
  // The caption is read with the table; on screen it stands above the
  // scrolling area, where a narrow screen does not clip it.
  return html`
    <p class="muted heat-explain" aria-hidden="true">${caption}</p>
    <div class="heat-scroll" tabindex="0" role="region" aria-labelledby="heat-caption">
      <table class="heatmap">
        <caption id="heat-caption" class="visually-hidden">${caption}</caption>
        <thead>
          <tr>
            <td></td>
            ${columns.map((c) => html`<th scope="col"><a href=${`/departments/${c.slug}`}>${c.name}</a></th>`)}
          </tr>
        </thead>
        <tbody>
          ${rows.map((row) => html`
            <tr class=${row.slug === selected ? "selected" : ""}>
              <th scope="row">
                <button type="button" aria-pressed=${row.slug === selected ? "true" : "false"}
                  aria-controls="pair-details" onClick=${() => onSelect(row.slug)}>${row.name}</button>
              </th>
              ${columns.map((column) => cell(row, column))}
            </tr>`)}
        </tbody>
      </table>
    </div>
    <${Legend} max=${max} />`;
}

/** What the colours mean. @param {{ max: number }} props */
function Legend({ max }) {
  return html`
    <ul class="heat-legend" aria-label=${t("analytics.legend")}>
      <li><span class="swatch heat-0" aria-hidden="true"></span>0</li>
      ${legendSteps(max).map((step) => html`
        <li><span class=${`swatch heat-${step.level}`} aria-hidden="true"></span>${
          step.low === step.high ? formatNumber(step.low) : `${formatNumber(step.low)}–${formatNumber(step.high)}`}</li>`)}
      <li><span class="swatch heat-hidden" aria-hidden="true">∗</span>${t("analytics.legendHidden")}</li>
      <li><span class="swatch heat-none" aria-hidden="true">–</span>${t("analytics.legendNone")}</li>
    </ul>`;
}

/**
 * The figures behind one department's row: each department it has a
 * synapse with, strongest first.
 * @param {{ synapses: any[], department: Dept }} props
 */
export function PairDetails({ synapses, department }) {
  const mine = synapses
    .filter((s) => s.departments.some((/** @type {Dept} */ d) => d.slug === department.slug))
    .map((s) => ({ s, other: s.departments.find((/** @type {Dept} */ d) => d.slug !== department.slug), strength: strength(s) }))
    .sort((a, b) => (b.strength.value ?? -1) - (a.strength.value ?? -1));
  return html`
    <section id="pair-details" class="pair-details" aria-labelledby="pair-title">
      <h3 id="pair-title">${t("analytics.pairsOf", { name: department.name })}</h3>
      ${mine.length ? html`
        <ul class="pairs">
          ${mine.map(({ s, other, strength: total }) => html`
            <li>
              <h4><a href=${`/departments/${department.slug}`}>${department.name}</a> ↔ <a href=${`/departments/${other.slug}`}>${other.name}</a></h4>
              <dl>
                <${Row} label=${t("analytics.acts")} figure=${total} change=${true} />
                <${Row} label=${t("analytics.messages")} figure=${s.messages} />
                <${Row} label=${t("analytics.replies")} figure=${s.replies} />
                <${Row} label=${t("analytics.reactions")} figure=${s.reactions} />
                <${Row} label=${t("analytics.people")} figure=${s.people} />
                <${Row} label=${t("analytics.questions")} figure=${s.questionsAsked} />
                <${Row} label=${t("analytics.answered")} figure=${s.answeredShare} format=${formatPercent} />
                <${Row} label=${t("analytics.medianAnswer")} figure=${s.medianSecondsToFirstAnswer} format=${formatDuration} />
                <${Row} label=${t("analytics.challenges")} figure=${s.challengesAnswered} />
                <div><dt>${t("analytics.sharedChannels")}</dt><dd>${formatNumber(s.sharedChannels)}</dd></div>
              </dl>
            </li>`)}
        </ul>` : html`<p class="muted">${t("analytics.noPairs")}</p>`}
    </section>`;
}

/**
 * One figure: its value, hidden with the reason, or "none" when there was
 * nothing to measure; with the change against the period before.
 * @param {{ label: string, figure: import("./figures.js").Figure, format?: (n: number) => string, change?: boolean }} props
 */
function Row({ label, figure, format = formatNumber, change = false }) {
  const shown = figure.suppressed
    ? html`<span class="hidden-figure" title=${figure.reason ?? ""}>${t("analytics.suppressed")}</span>`
    : figure.value === null ? html`<span class="muted">${t("analytics.none")}</span>` : format(figure.value);
  return html`
    <div>
      <dt>${label}</dt>
      <dd>${shown}${change && !figure.suppressed ? html` <span class="muted change">(${t("analytics.change", { change: formatChange(figure) })})</span>` : null}</dd>
    </div>`;
}
