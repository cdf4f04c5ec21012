"""The pages people use in the browser: one per served model, and an index. Everything a page
needs (style and script) is inline: nothing is fetched from outside the machine."""

import html

from deeptoolkit.data.story_world import REVIEW_STORY

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:920px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:1.5em;margin-bottom:0}.task{color:#666;margin-top:4px}a{color:#1a5fb4}
form{background:#f6f7f9;border:1px solid #dde;border-radius:8px;padding:14px;margin:14px 0}
label{display:block;margin:8px 0 4px;font-weight:600}textarea,input[type=text]{width:100%;box-sizing:border-box;
font:inherit;padding:6px}textarea{min-height:9em}button{margin-top:10px;padding:7px 18px;font:inherit;cursor:pointer;
background:#1a5fb4;color:#fff;border:0;border-radius:5px}.drop{border:2px dashed #99a;border-radius:8px;padding:18px;
text-align:center;color:#556;background:#fff}.drop.over{background:#eef3ff}img.preview{width:200px;max-height:240px;object-fit:contain;image-rendering:pixelated;
display:block;margin:8px auto}.error{color:#b00020;font-weight:600}.bar{background:#1a5fb4;height:12px;border-radius:3px}
table.scores td{padding:3px 8px}table.heat{border-collapse:collapse;font-size:.9em}table.heat td,table.heat th{padding:4px 6px;
border:1px solid #eee;text-align:center}pre{white-space:pre-wrap;background:#f6f7f9;padding:10px;border-radius:6px}
.sentence{padding:3px 6px;margin:2px 0;border-radius:4px}.big{font-size:1.3em;font-weight:700}.words button{margin:3px;
padding:4px 10px;background:#e8eefb;color:#123;border:1px solid #bcd}.words button.on{background:#1a5fb4;color:#fff}
.row{display:flex;gap:16px;flex-wrap:wrap}.row>div{flex:1;min-width:240px}
"""

COMMON_SCRIPT = """
const api = (action) => location.pathname.replace(/\\/$/, '') + '/' + action;
function show(id, html){document.getElementById(id).innerHTML = html;}
function esc(s){return String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
async function send(action, body, isJson){
  const options = {method:'POST', body: isJson ? JSON.stringify(body) : body};
  if (isJson) options.headers = {'Content-Type':'application/json'};
  const response = await fetch(api(action), options);
  let data; try { data = await response.json(); } catch (e) { data = {error: response.statusText}; }
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}
function dropZone(zoneId, inputId, previewId){
  const zone = document.getElementById(zoneId), input = document.getElementById(inputId);
  const preview = () => { if (input.files[0]) { const img = document.getElementById(previewId);
    img.src = URL.createObjectURL(input.files[0]); img.hidden = false; } };
  zone.addEventListener('click', () => input.click());
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => { e.preventDefault(); zone.classList.remove('over'); input.files = e.dataTransfer.files; preview(); });
  input.addEventListener('change', preview);
}
function imageField(name, text){
  return `<div id="${name}-zone" class="drop">${text}<br><small>(or click to choose a file)</small>
    <input id="${name}" name="${name}" type="file" accept="image/*" hidden><img id="${name}-preview" class="preview" hidden></div>`;
}
function heatTable(rows, columns, weights){
  let out = '<table class="heat"><tr><th></th>' + columns.map(c => `<th>${esc(c)}</th>`).join('') + '</tr>';
  rows.forEach((r, i) => { out += `<tr><th>${esc(r)}</th>` + weights[i].slice(0, columns.length).map(w =>
    `<td style="background:rgba(26,95,180,${Math.min(1, w).toFixed(3)});color:${w > 0.5 ? '#fff' : '#222'}">${w.toFixed(2)}</td>`).join('') + '</tr>'; });
  return out + '</table>';
}
async function run(form, action, collect, render){
  form.addEventListener('submit', async e => { e.preventDefault(); show('result', '<p>working...</p>');
    try { const [body, isJson] = collect(); render(await send(action, body, isJson)); }
    catch (err) { show('result', `<p class="error" id="error">${esc(err.message)}</p>`); } });
}
"""

FORMS = {
    "ImageClassifier": ("""
<form id="form"><label>An image</label><script>document.write(imageField('image', 'Drop an image here'))</script>
<label>Classes shown</label><input type="text" id="top_k" value="5"><button type="submit">Classify</button></form>""", """
dropZone('image-zone', 'image', 'image-preview');
run(document.getElementById('form'), 'predict', () => { const f = new FormData();
  f.append('image', document.getElementById('image').files[0] || ''); f.append('top_k', document.getElementById('top_k').value);
  return [f, false]; }, data => show('result', `<p class="big">This looks like: <span id="top-label">${esc(data.label)}</span>
  (${(100 * data.probability).toFixed(1)}%)</p><table class="scores">` + data.top_k.map(t => `<tr><td>${esc(t.label)}</td>
  <td style="width:300px"><div class="bar" style="width:${(100 * t.probability).toFixed(1)}%"></div></td>
  <td>${(100 * t.probability).toFixed(1)}%</td></tr>`).join('') + '</table>'));
"""),
    "FaceVerifier": ("""
<form id="form"><div class="row"><div><label>First photo</label><script>document.write(imageField('first', 'Drop a photo'))</script></div>
<div><label>Second photo</label><script>document.write(imageField('second', 'Drop a photo'))</script></div></div>
<button type="submit">Same person?</button></form><div id="result"></div>
<form id="identify"><label>Who is this? (against the server's gallery)</label>
<script>document.write(imageField('image', 'Drop a photo'))</script><button type="submit">Identify</button></form>""", """
['first', 'second', 'image'].forEach(n => dropZone(n + '-zone', n, n + '-preview'));
run(document.getElementById('form'), 'verify', () => { const f = new FormData();
  f.append('first', document.getElementById('first').files[0] || ''); f.append('second', document.getElementById('second').files[0] || '');
  return [f, false]; }, d => show('result', `<p class="big" id="verdict" style="color:${d.same ? '#26a269' : '#c01c28'}">
  ${d.same ? 'Same person' : 'Different people'}</p><p>confidence ${d.confidence.toFixed(2)}; distance ${d.distance.toFixed(3)},
  threshold ${d.threshold.toFixed(3)}${d.in_domain === false ? '<br><b>These photos are unlike the ones the model was trained on: the answer is unsure.</b>' : ''}</p>`));
run(document.getElementById('identify'), 'identify', () => { const f = new FormData();
  f.append('image', document.getElementById('image').files[0] || ''); return [f, false]; },
  d => show('result', '<table class="scores"><tr><th>person</th><th>distance</th><th>same?</th></tr>' + d.matches.map(m =>
  `<tr><td>${esc(m.person)}</td><td>${m.distance.toFixed(3)}</td><td>${m.same ? 'yes' : 'no'}</td></tr>`).join('') + '</table>'));
"""),
    "CharRNN": ("""
<form id="form"><label>Start from</label><textarea id="prime" style="min-height:4em">The </textarea>
<div class="row"><div><label>Length</label><input type="text" id="length" value="300"></div>
<div><label>Temperature</label><input type="text" id="temperature" value="0.8"></div>
<div><label>Seed (empty: random)</label><input type="text" id="seed" value=""></div></div>
<button type="submit">Write</button></form>""", """
run(document.getElementById('form'), 'generate', () => { const seed = document.getElementById('seed').value;
  return [{prime: document.getElementById('prime').value, length: parseInt(document.getElementById('length').value),
  temperature: parseFloat(document.getElementById('temperature').value), seed: seed === '' ? null : parseInt(seed)}, true]; },
  d => show('result', `<pre id="text"><b>${esc(d.prime)}</b>${esc(d.text)}</pre>`));
"""),
    "Translator": ("""
<form id="form"><label>A sentence</label><input type="text" id="sentence" value="">
<label>Beam width</label><input type="text" id="beam" value="4"><button type="submit">Translate</button></form>""", """
run(document.getElementById('form'), 'translate', () => [{sentence: document.getElementById('sentence').value,
  beam: parseInt(document.getElementById('beam').value) || null, attention: true}, true],
  d => show('result', `<p class="big" id="translation">${esc(d.translation)}</p>` + (d.attention ?
  '<p>Where each word of the translation looked in the sentence:</p>' + heatTable(d.attention.target, d.attention.source, d.attention.weights) : '')));
"""),
    "Captioner": ("""
<form id="form"><label>An image</label><script>document.write(imageField('image', 'Drop an image here'))</script>
<button type="submit">Describe</button></form>""", """
dropZone('image-zone', 'image', 'image-preview');
function attend(words, maps, index){
  document.querySelectorAll('.words button').forEach((b, i) => b.classList.toggle('on', i === index));
  const img = document.getElementById('image-preview'), canvas = document.getElementById('canvas'), g = canvas.getContext('2d');
  const w = canvas.width = 320, h = canvas.height = Math.round(320 * img.naturalHeight / img.naturalWidth);
  g.drawImage(img, 0, 0, w, h); const map = maps[index], peak = Math.max(...map.flat());
  map.forEach((row, y) => row.forEach((v, x) => { g.fillStyle = `rgba(0,0,0,${(0.75 * (1 - v / peak)).toFixed(3)})`;
    g.fillRect(x * w / row.length, y * h / map.length, w / row.length + 1, h / map.length + 1); }));
}
run(document.getElementById('form'), 'caption', () => { const f = new FormData();
  f.append('image', document.getElementById('image').files[0] || ''); f.append('attention', 'true'); return [f, false]; },
  d => { const words = d.attention.length > d.words.length ? [...d.words, '<end>'] : d.words;
  show('result', `<p class="big" id="caption">${esc(d.caption)}</p><p>Where the model looked for each word (click one):</p>
  <div class="words">` + words.map((w, i) => `<button type="button" data-i="${i}">${esc(w)}</button>`).join('') +
  '</div><canvas id="canvas"></canvas>');
  document.querySelectorAll('.words button').forEach(b => b.addEventListener('click', () => attend(words, d.attention, +b.dataset.i)));
  attend(words, d.attention, 0); });
"""),
    "MemNN": ("""
<form id="form"><label>A story (one sentence per line)</label><textarea id="story">REVIEW_STORY</textarea>
<label>A question</label><input type="text" id="question" value="where is the ring ?"><button type="submit">Answer</button></form>""", """
run(document.getElementById('form'), 'answer', () => [{story: document.getElementById('story').value,
  question: document.getElementById('question').value}, true], d => {
  let out = `<p class="big">Answer: <span id="answer">${esc(d.answer)}</span> (p = ${d.probability.toFixed(2)})</p>`;
  d.attention.forEach((weights, hop) => { out += `<p><b>hop ${hop + 1}</b></p>` + d.sentences.map((s, i) =>
    `<div class="sentence" style="background:rgba(26,95,180,${Math.min(1, weights[i]).toFixed(3)});color:${weights[i] > 0.5 ? '#fff' : '#222'}">
    ${esc(s)} <small>(${weights[i].toFixed(2)})</small></div>`).join(''); });
  show('result', out); });
"""),
}


def _page(title, body, script=""):
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{html.escape(title)}</title><style>{STYLE}</style><script>{COMMON_SCRIPT}</script></head><body>{body}
<script>{script}</script></body></html>"""


def model_page(name, task):
    kind = type(task).__name__
    form, script = FORMS[kind]
    form = form.replace("REVIEW_STORY", html.escape(REVIEW_STORY))  # the review's story, the one copy
    body = (f'<p><a href="/">all models</a> · <a href="/api">API</a></p><h1>{html.escape(name)}</h1>'
            f'<p class="task">{kind}</p>{form}' + ("" if 'id="result"' in form else '<div id="result"></div>'))
    return _page(f"{name} · deeptoolkit", body, script)


def index_page(models):
    items = "".join(f'<li><a href="/models/{html.escape(name)}">{html.escape(name)}</a> <span class="task">'
                    f"{type(task).__name__}</span></li>" for name, task in models.items())
    return _page("deeptoolkit models", f"<h1>Models served here</h1><ul>{items}</ul><p><a href=\"/api\">The JSON API</a></p>")


def api_page(spec):
    """The OpenAPI description as a readable page (FastAPI's own pages load scripts from a CDN)."""
    rows = []
    for path, methods in spec.get("paths", {}).items():
        for method, operation in methods.items():
            fields = _fields(spec, operation)
            rows.append(f"<tr><td><code>{method.upper()} {html.escape(path)}</code></td><td>{html.escape(operation.get('summary', ''))}"
                        f"<br><small>{html.escape(operation.get('description', '') or '')}</small></td><td>{fields}</td></tr>")
    body = ("<p><a href=\"/\">all models</a> · <a href=\"/openapi.json\">openapi.json</a></p><h1>JSON API</h1>"
            "<p>Images are multipart uploads; text is JSON. Errors answer 4xx with <code>{\"error\": \"...\"}</code>.</p>"
            f"<table class=\"scores\"><tr><th>request</th><th>what it does</th><th>inputs</th></tr>{''.join(rows)}</table>")
    return _page("deeptoolkit API", body)


def _fields(spec, operation):
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return "<br>".join(f"<code>{html.escape(n)}</code>{' (required)' if n in required else ''}" for n in properties)
    return ""
