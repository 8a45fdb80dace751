// PLACEHOLDER (issue 7 replaces this file): proves that Kotlin main sources compile with
// the Maven Kotlin plugin and that JNA loads native code on this JVM. The real main sources
// of this module are the uniffi-generated bindings under target/generated-sources/uniffi/.
package org.tokenkiln.jvmtests

import com.sun.jna.Library
import com.sun.jna.Native

/** The few libc functions the pipeline check calls through JNA. */
interface HostLibc : Library {
    fun getpid(): Int

    fun strlen(s: String): Long

    companion object {
        /** Loads the C library of the running host (libc.so.6 on Linux). */
        fun load(): HostLibc = Native.load("c", HostLibc::class.java)
    }
}
