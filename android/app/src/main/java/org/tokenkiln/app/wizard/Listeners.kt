package org.tokenkiln.app.wizard

/** Who hears a wizard's states: each is called with every new state, on the thread that caused it. */
class Listeners<S> {
    private val list = mutableListOf<(S) -> Unit>()

    fun add(listener: (S) -> Unit) {
        synchronized(list) { list += listener }
    }

    fun remove(listener: (S) -> Unit) {
        synchronized(list) { list -= listener }
    }

    /** Calls each listener outside the lock, so a listener may add or remove listeners. */
    fun publish(state: S) {
        val now = synchronized(list) { list.toList() }
        now.forEach { it(state) }
    }
}
