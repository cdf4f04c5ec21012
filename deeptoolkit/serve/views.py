"""How a page shows a verb's answer: one script function per view that a verb declares
(`Verb.view`), shared by every task. Each takes the JSON answer, the element to fill, the
form it came from and the answer's place among the request's files. `json` shows any answer,
so a new task's page works before it has a view.

`FORCED` holds the request options a view needs (the attention maps it draws).
"""

def _ranked(heading, shown="label => label"):
    """The best label with its probability under `heading`, then the top k as bars; `shown`: how a
    label is written (a script function)."""
    return """(d, out) => { const shown = %s; out.innerHTML = `<p class="big">%s <span id="top-label">${esc(shown(d.label))}</span>
  (${(100 * d.probability).toFixed(1)}%%)</p><table class="scores">` + d.top_k.map(t => `<tr><td>${esc(shown(t.label))}</td>
  <td style="width:300px"><div class="bar" style="width:${(100 * t.probability).toFixed(1)}%%"></div></td>
  <td>${(100 * t.probability).toFixed(1)}%%</td></tr>`).join('') + '</table>'; }""" % (shown, heading)


# A space or a line end would show as nothing: named instead.
VISIBLE_WHITESPACE = """label => ({' ': '\u2423 (space)', '\\n': '\u21b5 (new line)', '\\t': '\u21e5 (tab)'}[label] || label)"""

VIEWS = {
    "json": """(d, out) => { out.innerHTML = `<pre id="json">${esc(JSON.stringify(d, null, 2))}</pre>`; }""",
    "labels": _ranked("This looks like:"),
    "next": _ranked("Next comes:", VISIBLE_WHITESPACE),
    "transcripts": """(d, out) => { out.innerHTML = `<p class="big">Heard: <span id="transcript">${esc(d.transcript)}</span>
  (${(100 * d.probability).toFixed(1)}%)</p>` + (d.cut ? '<p><b>The clip is longer than the model reads: only its start was heard.</b></p>' : '') +
  `<p>${d.seconds.toFixed(2)} s. The best alternatives:</p><table class="scores">` + d.alternatives.map(a => `<tr><td>${esc(a.transcript)}</td>
  <td style="width:300px"><div class="bar" style="width:${(100 * a.probability).toFixed(1)}%"></div></td>
  <td>${(100 * a.probability).toFixed(1)}%</td></tr>`).join('') + '</table>'; }""",
    "verdict": """(d, out) => { out.innerHTML = `<p class="big" id="verdict" style="color:${d.same ? '#26a269' : '#c01c28'}">
  ${d.same ? 'Same person' : 'Different people'}</p><p>confidence ${d.confidence.toFixed(2)}; distance ${d.distance.toFixed(3)},
  threshold ${d.threshold.toFixed(3)}${d.in_domain === false ? '<br><b>These photos are unlike the ones the model was trained on: the answer is unsure.</b>' : ''}</p>`; }""",
    "matches": """(d, out) => { out.innerHTML = '<table class="scores"><tr><th>person</th><th>distance</th><th>same?</th></tr>' +
  d.matches.map(m => `<tr><td>${esc(m.person)}</td><td>${m.distance.toFixed(3)}</td><td>${m.same ? 'yes' : 'no'}</td></tr>`).join('') + '</table>'; }""",
    "text": """(d, out) => { out.innerHTML = `<pre id="text"><b>${esc(d.prime || '')}</b>${esc(d.text)}</pre>`; }""",
    "translation": """(d, out) => { out.innerHTML = `<p class="big" id="translation">${esc(d.translation)}</p>` + (d.attention ?
  '<p>Where each word of the translation looked in the sentence:</p>' + heatTable(d.attention.target, d.attention.source, d.attention.weights) : ''); }""",
    "caption": """(d, out, form, image) => {
  const words = d.attention.length > d.words.length ? [...d.words, '<end>'] : d.words;
  out.innerHTML = `<p class="big" id="caption">${esc(d.caption)}</p><p>Where the model looked for each word (click one):</p>
  <div class="words">` + words.map((w, i) => `<button type="button" data-i="${i}">${esc(w)}</button>`).join('') + '</div><canvas></canvas>';
  const attend = index => {
    out.querySelectorAll('.words button').forEach((b, i) => b.classList.toggle('on', i === index));
    const img = form.querySelectorAll('img.preview')[image], canvas = out.querySelector('canvas'), g = canvas.getContext('2d');
    const w = canvas.width = 320, h = canvas.height = Math.round(320 * img.naturalHeight / img.naturalWidth);
    g.drawImage(img, 0, 0, w, h); const map = d.attention[index], peak = Math.max(...map.flat());
    map.forEach((row, y) => row.forEach((v, x) => { g.fillStyle = `rgba(0,0,0,${(0.75 * (1 - v / peak)).toFixed(3)})`;
      g.fillRect(x * w / row.length, y * h / map.length, w / row.length + 1, h / map.length + 1); }));
  };
  out.querySelectorAll('.words button').forEach(b => b.addEventListener('click', () => attend(+b.dataset.i)));
  attend(0); }""",
    "memory": """(d, out) => {
  let html = `<p class="big">Answer: <span id="answer">${esc(d.answer)}</span> (p = ${d.probability.toFixed(2)})</p>`;
  d.attention.forEach((weights, hop) => { html += `<p><b>hop ${hop + 1}</b></p>` + d.sentences.map((s, i) =>
    `<div class="sentence" style="background:rgba(26,95,180,${Math.min(1, weights[i]).toFixed(3)});color:${weights[i] > 0.5 ? '#fff' : '#222'}">
    ${esc(s)} <small>(${weights[i].toFixed(2)})</small></div>`).join(''); });
  out.innerHTML = html; }""",
}

FORCED = {"translation": {"attention": True}, "caption": {"attention": True}}


def script():
    """The views as one script object, `views[name](answer, element, form, index)`."""
    return "const views = {" + ",\n".join(f"{name!r}: {code}" for name, code in VIEWS.items()) + "};"
