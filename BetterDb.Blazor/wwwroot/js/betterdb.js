// Small browser helpers for the Blazor UI: the user's time zone and theme choice,
// and the live tail's "follow the newest line unless the reader scrolled up".

export function timeZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch { return ""; }
}

export function loadTheme() {
    try {
        const saved = localStorage.getItem("betterdb.theme");
        if (saved === "dark" || saved === "light") return saved;
    } catch { /* storage blocked */ }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function saveTheme(theme) {
    try { localStorage.setItem("betterdb.theme", theme); } catch { /* storage blocked */ }
}

const nearBottomPx = 24;

// The browser decides whether the tail follows: a wheel or drag upwards must win at once,
// not after a round trip to the server while new frames keep scrolling down.
export function attachTail(el, dotnet) {
    if (!el || el._bdTail) return;
    const state = { following: true, lastTop: el.scrollTop, dotnet };
    const onScroll = () => {
        const top = el.scrollTop;
        if (el.scrollHeight - top - el.clientHeight <= nearBottomPx) setFollowing(state, true);
        else if (top < state.lastTop - 2) setFollowing(state, false);
        state.lastTop = top;
    };
    el.addEventListener("scroll", onScroll, { passive: true });
    state.detach = () => el.removeEventListener("scroll", onScroll);
    el._bdTail = state;
}

function setFollowing(state, value) {
    if (state.following === value) return;
    state.following = value;
    state.dotnet.invokeMethodAsync("OnFollowChanged", value);
}

export function detachTail(el) {
    if (el && el._bdTail) { el._bdTail.detach(); delete el._bdTail; }
}

// After a frame: stay on the newest line unless the reader left it.
export function afterFrame(el) {
    const state = el && el._bdTail;
    if (!state || !state.following) return;
    el.scrollTop = el.scrollHeight;
    state.lastTop = el.scrollTop; // our own move, not the reader's
    remeasure(el);
}

export function jumpToBottom(el) {
    const state = el && el._bdTail;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    if (state) { state.following = true; state.lastTop = el.scrollTop; }
    remeasure(el);
}

// Blazor's Virtualize picks its rows when a spacer starts to intersect the view, or when a
// spacer's attributes change. After a programmatic scroll a spacer can stay in view with no
// new event, leaving the view blank; touching its attributes makes Virtualize measure again.
function remeasure(el) {
    const box = el.getBoundingClientRect();
    const inView = s => {
        if (!s || s.classList.contains("tail-line") || s.classList.contains("tail-empty") || s.offsetHeight === 0) return false;
        const r = s.getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom;
    };
    for (const spacer of [el.firstElementChild, el.lastElementChild]) {
        if (inView(spacer)) spacer.toggleAttribute("data-remeasure");
    }
}

// The Monitor pages' connection choice, kept across reloads (the URL carries it too: /monitor?c=<id>).
export function loadConnection() {
    try { return localStorage.getItem("betterdb.connection") || null; } catch { return null; }
}

export function saveConnection(id) {
    try { if (id) localStorage.setItem("betterdb.connection", id); } catch { /* storage blocked */ }
}

// Copy to the clipboard. navigator.clipboard only exists in secure contexts (https or localhost); BetterDb often
// runs over plain http on an internal host, so fall back to a hidden textarea and execCommand("copy").
export async function copyText(text) {
    window.__betterdbLastCopy = text; // lets a browser test read what was copied without clipboard permissions
    if (navigator.clipboard && window.isSecureContext) {
        try { await navigator.clipboard.writeText(text); return true; } catch { /* fall back */ }
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { return document.execCommand("copy"); } catch { return false; } finally { area.remove(); }
}

// The rate chart's time range: drag across the plot (or click one point) to pick seconds. The plot's horizontal
// extent is that of the widest series path MudBlazor draws (its first to last point), so a position maps to
// a fraction of the timeline exactly; the server turns fractions into times.
export function attachRangeSelect(container, dotnet) {
    if (!container || container._bdRange) return;
    const band = document.createElement("div");
    band.className = "range-band";
    band.setAttribute("data-testid", "timeline-selection");
    container.appendChild(band);
    const plot = () => {
        let best = null;
        for (const p of container.querySelectorAll("svg path")) {
            const r = p.getBoundingClientRect();
            if (r.width > 0 && (!best || r.width > best.width)) best = r;
        }
        return best;
    };
    const fraction = (x, r) => Math.min(1, Math.max(0, (x - r.left) / r.width));
    let start = null, rect = null;
    const show = (a, b) => {
        const c = container.getBoundingClientRect();
        const left = Math.min(a, b), right = Math.max(a, b);
        band.style.left = (rect.left + left * rect.width - c.left) + "px";
        band.style.width = Math.max(2, (right - left) * rect.width) + "px";
        band.style.top = (rect.top - c.top) + "px";
        band.style.height = rect.height + "px";
        band.style.display = "block";
    };
    const down = e => {
        if (e.button !== 0) return;
        rect = plot();
        if (!rect || e.clientX < rect.left - 4 || e.clientX > rect.right + 4) return;
        start = fraction(e.clientX, rect);
        show(start, start);
        e.preventDefault();
    };
    const move = e => { if (start !== null) show(start, fraction(e.clientX, rect)); };
    const up = e => {
        if (start === null) return;
        const end = fraction(e.clientX, rect);
        const from = Math.min(start, end), to = Math.max(start, end);
        start = null;
        dotnet.invokeMethodAsync("OnRangeSelected", from, to);
    };
    container.addEventListener("mousedown", down);
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
    container._bdRange = () => {
        container.removeEventListener("mousedown", down);
        window.removeEventListener("mousemove", move);
        window.removeEventListener("mouseup", up);
        band.remove();
    };
}

export function detachRangeSelect(container) {
    if (container && container._bdRange) { container._bdRange(); delete container._bdRange; }
}
