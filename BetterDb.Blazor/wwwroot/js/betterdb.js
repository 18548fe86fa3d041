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
