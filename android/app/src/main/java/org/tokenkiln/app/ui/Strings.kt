package org.tokenkiln.app.ui

import androidx.compose.runtime.staticCompositionLocalOf

/**
 * The composables' only way to user-visible text. Android: backed by `getString(R.string.x)`;
 * JVM render test: backed by parsing the same `res/values/strings.xml`.
 */
fun interface Strings {
    /** The string [key], formatted with [args] like `Context.getString(id, args)`. */
    fun text(key: S, vararg args: Any): String
}

val LocalStrings = staticCompositionLocalOf<Strings> { error("no Strings provided") }
