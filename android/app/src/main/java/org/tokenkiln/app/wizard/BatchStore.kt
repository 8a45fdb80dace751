package org.tokenkiln.app.wizard

import java.io.File
import java.util.Properties

/**
 * What the app remembers of a batch so that it can be continued after the app was killed: the
 * settings and who can open the export. No secret is in it (an age public key is public).
 */
data class SavedBatch(
    val algorithm: String,
    val period: Int,
    val displayTimeoutSecs: Int,
    val syncClock: Boolean,
    /** The admin's age public key; null: the export opens with the batch's passphrase. */
    val recipient: String?,
    /** The seed file's name; null: fresh seeds. */
    val seedFile: String?,
)

/**
 * The app's batch directory (app-private storage): `current` names the batch under way, each
 * batch has its own directory with the journal (kiln-fleet's files) and `batch.properties`.
 * Pure `java.io`, so the JVM tests use the same code on a temporary directory.
 */
class BatchStore(private val root: File) {
    private val pointer = File(root, "current")

    /** The batch under way (its journal exists), or null. */
    fun current(): Pair<File, SavedBatch>? {
        val name = runCatching { pointer.readText().trim() }.getOrNull() ?: return null
        if (name.isEmpty() || name.contains('/')) return null
        val dir = File(root, name)
        val saved = load(dir) ?: return null
        return if (org.tokenkiln.core.batchJournalExists(journalDir(dir).path)) dir to saved else null
    }

    /** A new batch's directory (never an existing one), made current. */
    fun create(saved: SavedBatch): File {
        root.mkdirs()
        var dir: File
        var n = System.currentTimeMillis()
        do {
            dir = File(root, "batch-$n")
            n++
        } while (dir.exists())
        dir.mkdirs()
        val p = Properties()
        p["algorithm"] = saved.algorithm
        p["period"] = saved.period.toString()
        p["displayTimeout"] = saved.displayTimeoutSecs.toString()
        p["syncClock"] = saved.syncClock.toString()
        saved.recipient?.let { p["recipient"] = it }
        saved.seedFile?.let { p["seedFile"] = it }
        File(dir, SETTINGS).outputStream().use { out ->
            p.store(out, "tokenkiln batch settings (no secrets)")
            out.fd.sync()
        }
        writeDurably(pointer, dir.name)
        return dir
    }

    /** Forget the current batch (its directory, with the journal, is kept). */
    fun release() {
        pointer.delete()
    }

    fun journalDir(batchDir: File): File = File(batchDir, "journal")

    private fun load(dir: File): SavedBatch? = runCatching {
        val p = Properties()
        File(dir, SETTINGS).inputStream().use { p.load(it) }
        SavedBatch(
            algorithm = p.getProperty("algorithm") ?: return null,
            period = p.getProperty("period")?.toIntOrNull() ?: return null,
            displayTimeoutSecs = p.getProperty("displayTimeout")?.toIntOrNull() ?: return null,
            syncClock = p.getProperty("syncClock") != "false",
            recipient = p.getProperty("recipient"),
            seedFile = p.getProperty("seedFile"),
        )
    }.getOrNull()

    private fun writeDurably(file: File, text: String) {
        val tmp = File(file.parentFile, file.name + ".tmp")
        tmp.outputStream().use { out ->
            out.write(text.toByteArray())
            out.fd.sync()
        }
        if (!tmp.renameTo(file)) {
            file.delete()
            tmp.renameTo(file)
        }
    }

    private companion object {
        const val SETTINGS = "batch.properties"
    }
}

/**
 * The journal's passphrase when the export goes to an age public key: a random secret the app
 * keeps (on Android wrapped by a Keystore key). The batch journal always has a passphrase.
 */
fun interface JournalSecrets {
    /** The same bytes every time for this app installation (a fresh copy each call). */
    fun deviceSecret(): ByteArray
}

/** A rough strength estimate: length times the character classes used, in bits. */
fun passphraseStrength(text: CharArray): Strength {
    if (text.isEmpty()) return Strength.Empty
    var pool = 0
    if (text.any { it.isLowerCase() }) pool += 26
    if (text.any { it.isUpperCase() }) pool += 26
    if (text.any { it.isDigit() }) pool += 10
    if (text.any { !it.isLetterOrDigit() }) pool += 33
    val bits = text.size * (Math.log(pool.coerceAtLeast(2).toDouble()) / Math.log(2.0))
    return when {
        bits < 50 -> Strength.Weak
        bits < 80 -> Strength.Fair
        else -> Strength.Strong
    }
}

/** An age X25519 public key: `age1` and 58 Bech32 characters. */
fun looksLikeAgeKey(text: String): Boolean {
    val t = text.trim().lowercase()
    val charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    return t.length == 62 && t.startsWith("age1") && t.drop(4).all { it in charset }
}

/** The bytes start an age file (binary or ASCII-armored). */
fun isAgeFile(bytes: ByteArray): Boolean {
    val head = String(bytes.copyOfRange(0, minOf(bytes.size, 40)), Charsets.US_ASCII)
    return head.startsWith("age-encryption.org/") || head.startsWith("-----BEGIN AGE ENCRYPTED FILE-----")
}
