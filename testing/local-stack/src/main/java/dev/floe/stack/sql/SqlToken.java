package dev.floe.stack.sql;

import java.util.Locale;

/**
 * One token of a SQL statement, with its place in the text so that a rewrite can replace it.
 *
 * @param kind what the token is
 * @param text the token exactly as written, quotes included
 * @param start the index of its first character in the statement
 * @param end the index just past its last character
 */
record SqlToken(Kind kind, String text, int start, int end) {
  /** The kinds {@link SqlLexer} tells apart; comments and white space are dropped. */
  enum Kind {
    /** A bare word: a keyword or an unquoted identifier. */
    WORD,
    /** An identifier in double quotes (ANSI) or backquotes (Spark). */
    QUOTED_IDENTIFIER,
    /** A string literal in single quotes. */
    STRING,
    NUMBER,
    /** Any other character: punctuation and operators, one character each. */
    SYMBOL
  }

  /** True for a bare word equal to {@code keyword}, ignoring case. */
  boolean isKeyword(String keyword) {
    return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
  }

  boolean isSymbol(char symbol) {
    return kind == Kind.SYMBOL && text.charAt(0) == symbol;
  }

  /** True for a token that can name a table part: a bare word or a quoted identifier. */
  boolean isIdentifier() {
    return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
  }

  /**
   * The identifier this token names: a quoted one without its quotes (doubled quotes undone), a
   * bare one as written. Iceberg catalogs match names case-sensitively, as written.
   */
  String identifier() {
    if (kind != Kind.QUOTED_IDENTIFIER) {
      return text;
    }
    String quote = text.substring(0, 1);
    return text.substring(1, text.length() - 1).replace(quote + quote, quote);
  }

  /** The value of a string literal, without its quotes. */
  String stringValue() {
    return text.substring(1, text.length() - 1).replace("''", "'");
  }

  String upper() {
    return text.toUpperCase(Locale.ROOT);
  }
}
