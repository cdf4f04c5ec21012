"""The pages people use in the browser: one per served model, made from its task's declared verbs
(a form per verb, its answer shown by the verb's view), and an index. Everything a page needs
(style and script) is inline: nothing is fetched from outside the machine."""

import html
import json

from deeptoolkit.declaration import UPLOADED_KINDS
from deeptoolkit.serve import views

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:920px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:1.5em;margin-bottom:0}h2{font-size:1.05em;margin:0 0 6px}.task{color:#666;margin-top:4px}a{color:#1a5fb4}
form{background:#f6f7f9;border:1px solid #dde;border-radius:8px;padding:14px;margin:14px 0}
label{display:block;margin:8px 0 4px;font-weight:600}textarea,input[type=text],input[type=password]{width:100%;box-sizing:border-box;
font:inherit;padding:6px}textarea{min-height:9em}button{margin-top:10px;padding:7px 18px;font:inherit;cursor:pointer;
background:#1a5fb4;color:#fff;border:0;border-radius:5px}.drop{border:2px dashed #99a;border-radius:8px;padding:18px;
text-align:center;color:#556;background:#fff}.drop.over{background:#eef3ff}audio{display:block;margin:8px auto}.record{background:#c01c28}img.preview{width:200px;max-height:240px;object-fit:contain;image-rendering:pixelated;
display:block;margin:8px auto}.previews.many img.preview{width:96px;display:inline-block;margin:4px}.item{border-top:1px solid #dde;
margin-top:10px}.item h3{font-size:.95em;margin:8px 0 0;color:#444}.error{color:#b00020;font-weight:600}.bar{background:#1a5fb4;height:12px;border-radius:3px}
table.scores td{padding:3px 8px}table.heat{border-collapse:collapse;font-size:.9em}table.heat td,table.heat th{padding:4px 6px;
border:1px solid #eee;text-align:center}pre{white-space:pre-wrap;background:#f6f7f9;padding:10px;border-radius:6px}
.sentence{padding:3px 6px;margin:2px 0;border-radius:4px}.big{font-size:1.3em;font-weight:700}.words button{margin:3px;
padding:4px 10px;background:#e8eefb;color:#123;border:1px solid #bcd}.words button.on{background:#1a5fb4;color:#fff}
.row{display:flex;gap:16px;flex-wrap:wrap}.row>div{flex:1;min-width:240px}
"""

COMMON_SCRIPT = """
const api = (action) => location.pathname.replace(/\\/$/, '') + '/' + action;
function esc(s){return String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
function apiKey(){
  const field = document.getElementById('api-key'); if (!field) return null;
  if (field.value) sessionStorage.setItem('deeptoolkit-api-key', field.value);
  return field.value || null;
}
async function send(action, body, isJson){
  const options = {method:'POST', body: isJson ? JSON.stringify(body) : body, headers: {}};
  if (isJson) options.headers['Content-Type'] = 'application/json';
  const key = apiKey(); if (key) options.headers['X-API-Key'] = key;
  const response = await fetch(api(action), options);
  let data; try { data = await response.json(); } catch (e) { data = {error: response.statusText}; }
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}
function dropZone(zoneId, inputId, previewId){
  const zone = document.getElementById(zoneId), input = document.getElementById(inputId);
  const preview = () => { const box = document.getElementById(previewId); if (!input.files.length) return;
    box.innerHTML = ''; box.classList.toggle('many', input.files.length > 1); box.hidden = false;
    [...input.files].forEach(file => { const shown = document.createElement(box.dataset.kind === 'audio' ? 'audio' : 'img');
      shown.className = 'preview'; shown.title = file.name; shown.controls = true; shown.src = URL.createObjectURL(file); box.appendChild(shown); }); };
  zone.addEventListener('click', () => input.click());
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => { e.preventDefault(); zone.classList.remove('over'); input.files = e.dataTransfer.files; preview(); });
  input.addEventListener('change', preview);
}
function imageField(name, many){
  return `<div id="${name}-zone" class="drop">${many ? 'Drop one or more images here' : 'Drop an image here'}<br>
    <small>(or click to choose ${many ? 'files' : 'a file'})</small><input id="${name}" name="${name}" type="file" accept="image/*"
    ${many ? 'multiple' : ''} hidden><div id="${name}-preview" class="previews" data-kind="image" hidden></div></div>`;
}
function audioField(name, many){
  return `<div id="${name}-zone" class="drop">${many ? 'Drop one or more WAV clips here' : 'Drop a WAV clip here'}<br>
    <small>(or click to choose ${many ? 'files' : 'a file'})</small><input id="${name}" name="${name}" type="file" accept=".wav,audio/wav"
    ${many ? 'multiple' : ''} hidden><div id="${name}-preview" class="previews" data-kind="audio" hidden></div></div>
    <button type="button" id="${name}-record" class="record" onclick="record('${name}')">Record with the microphone</button>
    <span id="${name}-status"></span>`;
}
const recorders = {};
async function record(name){
  const button = document.getElementById(name + '-record'), status = document.getElementById(name + '-status');
  if (recorders[name]) { recorders[name](); return; }
  let stream;
  // The raw signal, as the model was trained on: no echo cancelling, noise suppression or gain control.
  try { stream = await navigator.mediaDevices.getUserMedia({audio: {echoCancellation: false, noiseSuppression: false, autoGainControl: false}}); }
  catch (err) { status.textContent = 'No microphone: ' + err.message; return; }
  const context = new AudioContext(), source = context.createMediaStreamSource(stream);
  const node = context.createScriptProcessor(4096, 1, 1), chunks = [];
  node.onaudioprocess = e => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  source.connect(node); node.connect(context.destination);
  button.textContent = 'Stop'; status.textContent = 'recording...';
  const stop = () => { delete recorders[name]; clearTimeout(limit); node.disconnect(); source.disconnect();
    stream.getTracks().forEach(t => t.stop()); context.close();
    const file = new File([wavBlob(chunks, context.sampleRate)], 'recording.wav', {type: 'audio/wav'});
    const files = new DataTransfer(); files.items.add(file);
    const input = document.getElementById(name); input.files = files.files; input.dispatchEvent(new Event('change'));
    button.textContent = 'Record with the microphone'; status.textContent = `recorded ${(chunks.length * 4096 / context.sampleRate).toFixed(1)} s`; };
  const limit = setTimeout(stop, 10000);
  recorders[name] = stop;
}
function wavBlob(chunks, rate){
  const n = chunks.reduce((sum, c) => sum + c.length, 0), view = new DataView(new ArrayBuffer(44 + 2 * n));
  const text = (at, s) => [...s].forEach((ch, i) => view.setUint8(at + i, ch.charCodeAt(0)));
  text(0, 'RIFF'); view.setUint32(4, 36 + 2 * n, true); text(8, 'WAVE'); text(12, 'fmt '); view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); view.setUint16(22, 1, true); view.setUint32(24, rate, true); view.setUint32(28, 2 * rate, true);
  view.setUint16(32, 2, true); view.setUint16(34, 16, true); text(36, 'data'); view.setUint32(40, 2 * n, true);
  let at = 44; chunks.forEach(c => c.forEach(v => { view.setInt16(at, Math.max(-1, Math.min(1, v)) * 32767, true); at += 2; }));
  return new Blob([view], {type: 'audio/wav'});
}
function heatTable(rows, columns, weights){
  let out = '<table class="heat"><tr><th></th>' + columns.map(c => `<th>${esc(c)}</th>`).join('') + '</tr>';
  rows.forEach((r, i) => { out += `<tr><th>${esc(r)}</th>` + weights[i].slice(0, columns.length).map(w =>
    `<td style="background:rgba(26,95,180,${Math.min(1, w).toFixed(3)});color:${w > 0.5 ? '#fff' : '#222'}">${w.toFixed(2)}</td>`).join('') + '</tr>'; });
  return out + '</table>';
}
function show(view, answer, out, form, files){
  // Several files in one request: a list of answers, in the order of the files.
  if (!Array.isArray(answer)) { views[view](answer, out, form, 0); return; }
  out.innerHTML = answer.map((_, i) => `<div class="item"><h3>${esc(files[i] ? files[i].name : '#' + (i + 1))}</h3>
    <div id="${out.id}-${i}"></div></div>`).join('');
  answer.forEach((one, i) => views[view](one, document.getElementById(`${out.id}-${i}`), form, i));
}
function bind(formId, action, spec, view){
  const form = document.getElementById(formId), out = document.getElementById(spec.result);
  const id = name => spec.prefix + name;
  spec.uploads.forEach(n => dropZone(id(n) + '-zone', id(n), id(n) + '-preview'));
  form.addEventListener('submit', async e => { e.preventDefault(); out.innerHTML = '<p>working...</p>';
    try {
      const values = {...spec.forced};
      spec.fields.forEach(f => { const el = document.getElementById(id(f.name)); const text = el.value;
        values[f.name] = f.type === 'bool' ? el.checked : f.type === 'int' ? (text === '' ? null : parseInt(text))
          : f.type === 'float' ? (text === '' ? null : parseFloat(text)) : text; });
      let body = values, isJson = true;
      let files = [];
      if (spec.uploads.length) { body = new FormData(); isJson = false;
        spec.uploads.forEach(n => { const chosen = [...document.getElementById(id(n)).files]; files = files.length ? files : chosen;
          chosen.length ? chosen.forEach(f => body.append(n, f)) : body.append(n, ''); });
        Object.entries(values).forEach(([k, v]) => { if (v !== null && !Number.isNaN(v)) body.append(k, v); }); }
      show(view, await send(action, body, isJson), out, form, files);
    } catch (err) { out.innerHTML = `<p class="error" id="error">${esc(err.message)}</p>`; } });
}
"""


def _page(title, body, script=""):
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{html.escape(title)}</title><style>{STYLE}</style><script>{COMMON_SCRIPT}</script></head><body>{body}
<script>{script}</script></body></html>"""


def model_page(name, task, needs_key=False):
    """A model's page: a form per served verb, made from its declared inputs and options; with
    `needs_key`, a field for the server's API key, which the forms send."""
    forms, scripts = [], []
    for index, verb in enumerate(v for v in type(task).verbs if v.served):
        form_id, prefix = ("form", "") if index == 0 else (verb.name, verb.name + "-")
        result = "result" if index == 0 else f"{verb.name}-result"
        forced = views.FORCED.get(verb.view, {})
        fields = "".join(_input_field(prefix, item) for item in verb.inputs)
        fields += "".join(_option_field(prefix, option) for option in verb.options if option.name not in forced)
        forms.append(f'<form id="{form_id}"><h2>{html.escape(verb.summary)}</h2>{fields}'
                     f'<button type="submit">{html.escape(verb.name.capitalize())}</button></form><div id="{result}"></div>')
        spec = {"uploads": [item.name for item in verb.inputs if item.kind in UPLOADED_KINDS], "prefix": prefix, "result": result,
                "forced": forced, "fields": [{"name": item.name, "type": "str"} for item in verb.inputs if item.kind not in UPLOADED_KINDS]
                + [{"name": o.name, "type": _field_type(o)} for o in verb.options if o.name not in forced]}
        scripts.append(f"bind({json.dumps(form_id)}, {json.dumps(verb.name)}, {json.dumps(spec)}, {json.dumps(verb.view)});")
    kind = type(task).__name__
    api = "" if needs_key else ' · <a href="/api">API</a>'  # a link cannot send the key /api needs
    body = (f'<p><a href="/">all models</a>{api}</p><h1>{html.escape(name)}</h1>'
            f'<p class="task">{kind}: {html.escape(type(task).summary)}</p>' + (KEY_FIELD if needs_key else "") + "".join(forms))
    return _page(f"{name} · deeptoolkit", body, views.script() + "\n" + "\n".join(scripts))


KEY_FIELD = ('<label for="api-key">API key <small>(this server asks for one; it is kept in this tab only)</small></label>'
             '<input type="password" id="api-key" autocomplete="off">'
             "<script>document.getElementById('api-key').value = sessionStorage.getItem('deeptoolkit-api-key') || '';</script>")


def _input_field(prefix, item):
    label = f'<label for="{prefix}{item.name}">{html.escape(item.help or item.name.replace("_", " ").capitalize())}</label>'
    if item.kind == "image":
        return f"{label}<script>document.write(imageField({json.dumps(prefix + item.name)}, {json.dumps(item.many)}))</script>"
    if item.kind == "audio":
        return f"{label}<script>document.write(audioField({json.dumps(prefix + item.name)}, {json.dumps(item.many)}))</script>"
    example = html.escape(item.example)
    if item.kind == "story":
        return f'{label}<textarea id="{prefix}{item.name}">{example}</textarea>'
    return f'{label}<input type="text" id="{prefix}{item.name}" value="{example}">'


def _field_type(option):
    kind = option.value_type(option.default)
    return {int: "int", float: "float", bool: "bool"}.get(kind, "str")


def _option_field(prefix, option):
    if _field_type(option) == "bool":
        checked = " checked" if option.default else ""
        return f'<label><input type="checkbox" id="{prefix}{option.name}"{checked}> {html.escape(option.help)}</label>'
    label = f'<label for="{prefix}{option.name}">{html.escape(option.name.replace("_", " "))}: <small>{html.escape(option.help)}</small></label>'
    value = "" if option.default is None else str(option.default)
    if "\n" in value:  # a text input would drop the line end: a text area keeps it (after the one it drops)
        return f'{label}<textarea id="{prefix}{option.name}" style="min-height:3em">\n{html.escape(value)}</textarea>'
    return f'{label}<input type="text" id="{prefix}{option.name}" value="{html.escape(value)}">'


def index_page(models, needs_key=False):
    items = "".join(f'<li><a href="/models/{html.escape(name)}">{html.escape(name)}</a> <span class="task">'
                    f"{type(task).__name__}</span></li>" for name, task in models.items())
    api = "" if needs_key else '<p><a href="/api">The JSON API</a></p>'
    return _page("deeptoolkit models", f"<h1>Models served here</h1><ul>{items}</ul>{api}")


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
