package org.tokenkiln.app.wizard

/**
 * Runs [use] with this array, then overwrites it with zeros, also when [use] throws.
 *
 * Only for arrays the caller allocated and nothing else keeps: a WRITE SEED command (the seed
 * encrypted under the family's published key, so as good as the seed), a camera frame's or a
 * shared image's luma copy (it may show a seed's QR code). The JVM may still have copied the
 * bytes before (a moving garbage collector, the binder's parcel for NFC); this removes the
 * copy the app itself holds as soon as it is no longer needed.
 */
inline fun <T> ByteArray.useThenWipe(use: (ByteArray) -> T): T = try {
    use(this)
} finally {
    fill(0)
}
