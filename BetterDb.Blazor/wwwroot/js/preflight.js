// Copy-to-clipboard for the pre-flight panel (the ACL SETUSER snippet).
// navigator.clipboard only exists in secure contexts (https or localhost); BetterDb often runs
// over plain http on an internal host, so fall back to a hidden textarea and execCommand("copy").

export async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
        try {
            await navigator.clipboard.writeText(text);
            return true;
        } catch {
            // permission denied or document not focused: try the fallback
        }
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
        return document.execCommand("copy");
    } catch {
        return false;
    } finally {
        area.remove();
    }
}
