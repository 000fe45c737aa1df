import * as cdktf from 'cdktf';
import { DataAwsWidgetItemsList } from './index-structs'

export interface DataAwsWidgetConfig extends cdktf.TerraformMetaArguments {
  readonly name: string;
}

export class DataAwsWidget extends cdktf.TerraformDataSource {
  public static readonly tfResourceType = "aws_widget";

  // items - computed: true, optional: false, required: false
  private _items = new DataAwsWidgetItemsList(this, "items", true);
  public get items() {
    return this._items;
  }

  // name - computed: false, optional: false, required: true
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }

  // document - computed: true, optional: false, required: false
  public get document() {
    return cdktf.Token.asAny(cdktf.Fn.tolist(this.interpolationForAttribute('document')));
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };
    return attrs;
  }
}
