// Prints the outline of a Jenkinsfile as JSON, from Groovy's own parser (nothing
// is executed): every method call with its arguments, and the calls inside
// each closure argument as its body.
//   groovy JenkinsfileOutline.groovy path/to/Jenkinsfile
// Used by jenkinsfile.test.ts to check the pipeline's stages against jenkins/steps/.
import groovy.json.JsonOutput
import org.codehaus.groovy.ast.expr.*
import org.codehaus.groovy.ast.stmt.*
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.Phases

def statements(Statement s) {
  if (s instanceof BlockStatement) return s.statements.collectMany { statements(it) }
  if (s instanceof ExpressionStatement) return [expression(s.expression)]
  return [[statement: s.class.simpleName]]
}

def expression(Expression e) {
  if (e instanceof MethodCallExpression) {
    def node = [call: e.methodAsString, args: [], named: [:], body: []]
    if (!e.implicitThis) node.on = expression(e.objectExpression)
    def args = e.arguments instanceof TupleExpression ? e.arguments.expressions : [e.arguments]
    args.each { a ->
      if (a instanceof NamedArgumentListExpression || a instanceof MapExpression)
        a.mapEntryExpressions.each { node.named[it.keyExpression.text] = expression(it.valueExpression) }
      else if (a instanceof ClosureExpression) node.body.addAll(statements(a.code))
      else node.args << expression(a)
    }
    return node
  }
  if (e instanceof ConstantExpression) return e.value
  if (e instanceof GStringExpression) return [gstring: e.text]
  if (e instanceof VariableExpression) return [variable: e.name]
  if (e instanceof PropertyExpression) return [property: e.text]
  if (e instanceof ListExpression) return e.expressions.collect { expression(it) }
  if (e instanceof MapExpression) return e.mapEntryExpressions.collectEntries { [(it.keyExpression.text): expression(it.valueExpression)] }
  if (e instanceof BinaryExpression && e.operation.text == '=')
    return [assign: e.leftExpression.text, value: expression(e.rightExpression)]
  if (e instanceof ClosureExpression) return [closure: statements(e.code)]
  return [expression: e.class.simpleName, text: e.text]
}

def unit = new CompilationUnit()
unit.addSource(new File(args[0]))
unit.compile(Phases.CONVERSION)
def module = unit.AST.modules[0]
println JsonOutput.toJson(statements(module.statementBlock))
